import ArgumentParser
import Foundation
import StrataEdit
import StrataModels
import StrataSprites
import StrataTensor

struct EvalGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate N captions of fresh scenes with a model, judge them, and print how often they show what the caption says.")
    @Option(help: "Captions.") var count = 400

    func validate() throws { try requireCount(count) }
    @Option(help: "Evaluation seed (captions and noise come from it; scenes from seeds ≥ 1,000,000,000).") var seed: UInt64 = 1
    @Option(help: "Model folder (default: the built-in model).") var model: String?
    @Option(help: "Sampling steps (DDIM).") var steps = 50
    @Option(help: "Classifier-free guidance scale.") var cfg = 7.5
    @Option(help: "Share of the steps, noisiest first, run without guidance (default: the model's own, from its strata_generate.json, else 0).") var guidanceStart: Double?
    @Option(help: "Contact sheet PNG of the first 64 images.") var sheet: String?
    @Option(help: "Judge folder (default: the built-in judge).") var judge: String?
    @Option(help: "Contact sheet PNG of the first 64 images judged wrong; their captions and readings are listed beside it in a .txt file.") var missesSheet: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var engine: ThreadOptions

    /// What `--json` prints.
    struct Report: Codable {
        let count: Int
        let perAttribute: [String: Double]
        let allCorrect: Double
        let tintShares: [String: Double]
        let allCorrectPerSize: [String: Double]
        let cfg: Double
        let guidanceStart: Double
        /// The commonest misreadings and how often each was made.
        let misreadings: [String: Int]
        enum CodingKeys: String, CodingKey {
            case count, cfg, misreadings
            case perAttribute = "per_attribute", allCorrect = "all_correct", tintShares = "tint_shares"
            case allCorrectPerSize = "all_correct_per_size", guidanceStart = "guidance_start"
        }
    }

    static let attributes = ["animal", "pose", "size", "background"]

    func run() throws {
        engine.apply()
        let log = output.makeLog()
        let (sd, folder) = try loadModel(model)
        let start = try resolvedGuidanceStart(guidanceStart, folder: folder)
        let judgeModel = try loadJudge(judge)
        let t2i = TextToImage(model: sd)
        var correct = [Int](repeating: 0, count: 4)
        // All four right, and images, per asked size: small sprites are few pixels.
        var allPerSize = [Int](repeating: 0, count: SpriteSize.allCases.count), perSize = allPerSize
        var tints = [Int](repeating: 0, count: Tint.allCases.count)
        // Misreadings by kind ("animal: cow as pig"), to show where a model's misses lie.
        var misreadings: [String: Int] = [:]
        var pictures: [[UInt8]] = [], misses: [[UInt8]] = [], missLines: [String] = []
        for i in 0..<count {
            let spec = SceneSpec(seed: SceneSpec.evaluationSeed(seed, index: i))
            var s = TextToImageSettings(prompt: spec.caption.text, width: 64, height: 64)
            s.steps = steps; s.guidanceScale = cfg; s.guidanceStart = start; s.seed = seed &* 100_003 &+ UInt64(i)
            var rng = TorchRandom(seed: s.seed)
            let image = try t2i.run(s, rng: &rng)
            let rgb = PNGImage.rgbBytes(image)
            let r = judgeModel.read(SpriteJudge.images([rgb]))[0]
            let m = [r.animal == spec.animal, r.pose == spec.pose, r.size == spec.size, r.background == spec.background]
            for k in m.indices where m[k] { correct[k] += 1 }
            let pairs = [(spec.animal.word, r.animal.word), (spec.pose.word, r.pose.word), (spec.size.word, r.size.word),
                         (spec.background.word, r.background.word)]
            for k in m.indices where !m[k] { misreadings["\(Self.attributes[k]): \(pairs[k].0) as \(pairs[k].1)", default: 0] += 1 }
            let allRight = m.allSatisfy { $0 }
            perSize[spec.size.rawValue] += 1
            if allRight { allPerSize[spec.size.rawValue] += 1 }
            tints[r.tint.rawValue] += 1
            if pictures.count < 64 { pictures.append(rgb) }
            if !allRight, misses.count < 64 {
                misses.append(rgb)
                missLines.append("\(misses.count): \(spec.caption.text) | read: \(r.size.word) \(r.animal.word) \(r.pose.word), \(r.background.word)")
            }
            log.progress("generating", i + 1, count)
        }
        log.clearProgress()
        if let sheet { try ContactSheet.write(pictures, columns: 8, to: sheet) }
        if let missesSheet, !misses.isEmpty {
            try ContactSheet.write(misses, columns: 8, to: missesSheet)
            let list = URL(fileURLWithPath: missesSheet).deletingPathExtension().appendingPathExtension("txt")
            try (missLines.joined(separator: "\n") + "\n").write(to: list, atomically: true, encoding: .utf8)
        }
        let all = allPerSize.reduce(0, +)
        let names = Self.attributes
        let commonest = misreadings.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(8)
        let per = Dictionary(uniqueKeysWithValues: zip(names, correct.map { Double($0) / Double(count) }))
        let shares = Dictionary(uniqueKeysWithValues: zip(Tint.allCases.map(\.word), tints.map { Double($0) / Double(count) }))
        let sizes = Dictionary(uniqueKeysWithValues: SpriteSize.allCases.map { size in
            (size.word, Double(allPerSize[size.rawValue]) / Double(max(1, perSize[size.rawValue])))
        })
        if output.json {
            try printJSON(Report(count: count, perAttribute: per, allCorrect: Double(all) / Double(count), tintShares: shares,
                                 allCorrectPerSize: sizes, cfg: cfg, guidanceStart: start,
                                 misreadings: Dictionary(uniqueKeysWithValues: commonest.map { ($0.key, $0.value) })))
        } else {
            for n in names { print(String(format: "%-11@ %.1f%%", n, per[n]! * 100)) }
            print(String(format: "%-11@ %.1f%% (animal, pose, size and background as the caption says; %d images)", "all four", Double(all) / Double(count) * 100, count))
            print("all four by size asked: " + SpriteSize.allCases.map { String(format: "%@ %.1f%% (%d)", $0.word, sizes[$0.word]! * 100, perSize[$0.rawValue]) }.joined(separator: ", "))
            print("commonest misreadings: " + (commonest.isEmpty ? "none" : commonest.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")))
            print(String(format: "DDIM %d steps, CFG %.1f from step %d", steps, cfg, GuidedSampler.firstGuidedStep(start, steps: steps) + 1)
                  + (start == 0 ? "" : String(format: " (guidance start %.2f)", start)))
            print("tints: " + Tint.allCases.map { String(format: "%@ %.1f%%", $0.word, shares[$0.word]! * 100) }.joined(separator: ", "))
        }
    }
}

struct MaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mask", abstract: "Subject masks.", subcommands: [MaskSuggest.self])
}

struct MaskSuggest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Suggest a subject mask from the model (DiffEdit-style), or by flood fill from a point.")
    @Argument(help: "Image (PNG).") var image: String
    @Option(help: "Subject text.") var subject: String?
    @Option(help: "Background text.") var background: String?
    @Option(help: "Flood fill from X,Y (pixels of the model-sized image) instead of asking the model.") var at: String?
    @Option(help: "Flood fill colour tolerance (0...1).") var tolerance: Float = 0.15
    @Option(help: "Model folder (default: the built-in model).") var model: String?
    @Option(help: "Output mask PNG.") var out: String

    func run() throws {
        let sd = try loadModel(model).model
        let side = sd.vae.config.sampleSize
        let picture: Tensor
        do { picture = try ImageFiles.load(image, side: side).image } catch { throw failure(error) }
        let mask: Tensor
        if let at {
            let p = at.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard p.count == 2 else { throw fail("--at must be X,Y, got \"\(at)\"") }
            mask = MaskSuggestion.floodFill(image: picture, x: p[0], y: p[1], tolerance: tolerance)
        } else {
            guard let subject, let background, !subject.isEmpty, !background.isEmpty else {
                throw fail("give --subject and --background (the model compares them), or --at X,Y for a flood fill")
            }
            mask = MaskSuggestion.diffEdit(model: try EditModel(sd), image: picture, subject: subject, background: background)
        }
        try ImageFiles.writeMask(mask, to: out)
        print(String(format: "%@: %.0f%% of the image", out, MaskOps.coverage(mask) * 100))
    }
}
