import ArgumentParser
import Foundation
import StrataModels
import StrataSprites
import StrataTensor
import StrataTraining

struct EvalVAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Reconstruct fresh scenes with a VAE: PSNR per place, and whether the judge reads the same tint back.")
    @Option(help: "Scenes.") var count = 1000

    func validate() throws { try requireCount(count) }
    @Option(help: "Evaluation seed.") var seed: UInt64 = 1
    @Option(help: "A vae/ folder (default: the built-in model's).") var vae: String?
    @Option(name: .customLong("run"), help: "A VAE training run folder instead of a vae/ folder.") var runFolder: String?
    @Option(help: "Judge folder (default: the built-in judge); the tint check is skipped when none loads.") var judge: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var engine: ThreadOptions

    /// What `--json` prints; the judge's readings are null when no judge loads.
    struct Report: Codable {
        let count: Int
        let psnr: Double
        let psnrPerBackground: [String: Double]
        let sameTint: Double?
        let sameTintPerSize: [String: Double]?
        let judgeTrueTintOnOriginals: Double?
        let tintChanges: [String: Int]
        let sameAnimal: Double?
        enum CodingKeys: String, CodingKey {
            case count, psnr = "psnr_db", psnrPerBackground = "psnr_db_per_background", sameTint = "same_tint"
            case sameTintPerSize = "same_tint_per_size", judgeTrueTintOnOriginals = "judge_true_tint_on_originals"
            case tintChanges = "tint_changes", sameAnimal = "same_animal"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(count, forKey: .count); try c.encode(psnr, forKey: .psnr); try c.encode(psnrPerBackground, forKey: .psnrPerBackground)
            try c.encode(sameTint, forKey: .sameTint); try c.encode(sameTintPerSize, forKey: .sameTintPerSize)
            try c.encode(judgeTrueTintOnOriginals, forKey: .judgeTrueTintOnOriginals); try c.encode(tintChanges, forKey: .tintChanges)
            try c.encode(sameAnimal, forKey: .sameAnimal)
        }
    }

    func run() throws {
        engine.apply()
        let log = output.makeLog()
        let model: AutoencoderKL
        do {
            if let runFolder {
                model = try AutoencoderKL(config: SpriteModelRecipe.vae, weights: TrainingState(folder: URL(fileURLWithPath: runFolder)).parameterStore("vae"))
            } else {
                model = try AutoencoderKL(folder: vae.map { URL(fileURLWithPath: $0) } ?? StrataAssets.builtInModel().appendingPathComponent("vae"))
            }
        } catch { throw failure(error) }
        let judgeModel = try? (judge.map { try SpriteJudge(folder: URL(fileURLWithPath: $0)) } ?? SpriteJudge.shipped())
        let renderer = try loadRenderer()
        var psnr = [Double](repeating: 0, count: Background.allCases.count), seen = [Int](repeating: 0, count: Background.allCases.count)
        var sameAnimal = 0, trueTintOriginal = 0
        // Per sprite size: scenes and tints kept (small sprites hold the tint in few latents).
        var confusions: [String: Int] = [:]
        var bySize = [Int](repeating: 0, count: SpriteSize.allCases.count), keptBySize = bySize
        for first in stride(from: 0, to: count, by: 25) {
            let n = min(25, count - first)
            let scenes = (first..<(first + n)).map { renderer.render(seed: SceneSpec.evaluationSeed(seed, index: $0)) }
            let batch = SceneBatch(scenes: scenes)
            let recon = model.roundTrip(batch.images)
            var pictures: [[UInt8]] = []
            for (i, s) in scenes.enumerated() {
                var mse = 0.0
                var rgb = [UInt8](repeating: 0, count: 64 * 64 * 3)
                for p in 0..<(64 * 64) { for c in 0..<3 {
                    let v = UInt8(max(0, min(255, ((recon.data[(i * 3 + c) * 4096 + p] + 1) * 127.5).rounded())))
                    rgb[p * 3 + c] = v
                    let d = (Double(v) - Double(s.rgb[p * 3 + c])) / 255
                    mse += d * d
                } }
                mse /= Double(64 * 64 * 3)
                psnr[s.spec.background.rawValue] += 10 * log10(1 / max(mse, 1e-10))
                seen[s.spec.background.rawValue] += 1
                pictures.append(rgb)
            }
            if let judgeModel {
                let a = judgeModel.read(SpriteJudge.images(scenes.map(\.rgb))), b = judgeModel.read(SpriteJudge.images(pictures))
                trueTintOriginal += zip(a, scenes).filter { $0.tint == $1.spec.tint }.count
                for (i, s) in scenes.enumerated() {
                    bySize[s.spec.size.rawValue] += 1
                    if a[i].tint == b[i].tint {
                        keptBySize[s.spec.size.rawValue] += 1
                    } else {
                        let key = "\(a[i].tint.word)→\(b[i].tint.word)" + (a[i].tint == s.spec.tint ? "" : " (original misread)")
                        confusions[key, default: 0] += 1
                    }
                }
                sameAnimal += zip(a, b).filter { $0.animal == $1.animal }.count
            }
            log.progress("reconstructing", first + n, count, "")
        }
        log.clearProgress()
        let perPlace = Dictionary(uniqueKeysWithValues: Background.allCases.map { ($0.word, seen[$0.rawValue] > 0 ? psnr[$0.rawValue] / Double(seen[$0.rawValue]) : 0) })
        let mean = psnr.reduce(0, +) / Double(count)
        let judged = judgeModel != nil
        let tint = judged ? Double(keptBySize.reduce(0, +)) / Double(count) : nil
        let animal = judged ? Double(sameAnimal) / Double(count) : nil
        let tintPerSize = judged ? Dictionary(uniqueKeysWithValues: SpriteSize.allCases.map {
            ($0.word, bySize[$0.rawValue] > 0 ? Double(keptBySize[$0.rawValue]) / Double(bySize[$0.rawValue]) : 0) }) : nil
        let judgeTint = judged ? Double(trueTintOriginal) / Double(count) : nil
        if output.json {
            try printJSON(Report(count: count, psnr: mean, psnrPerBackground: perPlace, sameTint: tint, sameTintPerSize: tintPerSize,
                                 judgeTrueTintOnOriginals: judgeTint, tintChanges: confusions, sameAnimal: animal))
        } else {
            print(String(format: "mean PSNR %.2f dB over %d scenes", mean, count))
            for b in Background.allCases { print(String(format: "  %-10@ %.2f dB", b.word, perPlace[b.word]!)) }
            if let t = tint { print(String(format: "judge reads the same tint: %.1f%%", t * 100)) }
            if let sizes = tintPerSize {
                print("  same tint per size: " + SpriteSize.allCases.map { String(format: "%@ %.1f%%", $0.word, sizes[$0.word]! * 100) }.joined(separator: ", "))
            }
            if !confusions.isEmpty {
                print("  tints read differently: " + confusions.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if let j = judgeTint { print(String(format: "  (the judge reads the true tint from %.1f%% of the originals)", j * 100)) }
            if let a = animal { print(String(format: "judge reads the same animal: %.1f%%", a * 100)) }
        }
    }
}
