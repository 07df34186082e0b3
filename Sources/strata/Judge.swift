import ArgumentParser
import Foundation
import StrataModels
import StrataSprites
import StrataTensor

struct Judge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read what 64×64 sprite-world images show: animal, tint, size, pose, background, with confidences.")
    @Argument(help: "PNG images (64×64).") var images: [String]
    @Option(help: "Judge folder (default: the built-in judge).") var judge: String?

    func run() throws {
        let model = try loadJudge(judge)
        for path in images {
            let picture: PNGImage
            do { picture = try PNGImage.read(path) } catch { throw failure(error) }
            guard picture.width == 64, picture.height == 64 else { throw fail("\(path): the judge reads 64×64 images, this one is \(picture.width)×\(picture.height)") }
            var rgb = [UInt8](repeating: 0, count: 64 * 64 * 3)
            for i in 0..<(64 * 64) { for c in 0..<3 { rgb[i * 3 + c] = picture.rgba[i * 4 + c] } }
            let r = model.read(SpriteJudge.images([rgb]))[0]
            let words = [r.animal.word, r.tint.word, r.size.word, r.pose.word, r.background.word]
            let parts = zip(SpriteJudge.headNames, zip(words, r.confidences)).map { String(format: "%@ %@ (%.2f)", $0.0, $0.1.0, $0.1.1) }
            print("\(path): " + parts.joined(separator: ", "))
        }
    }
}

/// The model folder given, else the built-in model's; loaded, or a one-line error and exit 2.
func loadModel(_ path: String?) throws -> (model: StableDiffusionModel, folder: URL) {
    let folder = try path.map { URL(fileURLWithPath: $0) } ?? StrataAssets.builtInModel()
    do { return (try StableDiffusionModel(folder: folder), folder) } catch { throw failure(error) }
}

/// The short hash A1111 shows for a model: of its UNet weights file.
func modelHash(_ folder: URL) -> String {
    let unet = WeightStore.file(in: folder.appendingPathComponent("unet"), named: "diffusion_pytorch_model").path
    return (try? Infotext.shortHash(ofFile: unet)) ?? "unknown"
}

func loadJudge(_ folder: String?) throws -> SpriteJudge {
    do { return try folder.map { try SpriteJudge(folder: URL(fileURLWithPath: $0)) } ?? SpriteJudge.shipped() } catch {
        throw fail("the judge cannot be loaded: \(error)")
    }
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure on fresh sprite-world scenes (evaluation seeds only).",
        subcommands: [EvalJudge.self, EvalGenerate.self, EvalLayers.self, EvalVAE.self, EvalLayeredVAE.self, EvalEdit.self, EvalMask.self])
}

struct EvalJudge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "The judge's accuracy on fresh renders: per attribute and all five together; with layer heads, the subject answer and the mask's IoU.")
    @Option(help: "Scenes.") var count = 2000

    func validate() throws { try requireCount(count) }
    @Option(help: "Evaluation seed (scenes come from seeds ≥ 1,000,000,000 derived from it).") var seed: UInt64 = 1
    @Option(help: "Judge folder (default: the built-in judge).") var judge: String?
    @Option(help: "A vae/ folder: judge each render's reconstruction through it (encode, decode) instead of the render, with the render's labels.") var throughVae: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var engine: ThreadOptions

    /// What `--json` prints: the five readings' accuracy and, for a judge with layer heads, theirs.
    struct Report: Encodable {
        let attributes: JudgeAccuracy.Report
        let layers: JudgeLayerAccuracy?
        func encode(to encoder: Encoder) throws {
            try attributes.encode(to: encoder)
            enum Key: String, CodingKey { case layers }
            var c = encoder.container(keyedBy: Key.self)
            try c.encodeIfPresent(layers, forKey: .layers)
        }
    }

    func run() throws {
        engine.apply()
        let model = try loadJudge(judge)
        let log = output.makeLog()
        let vae = try throughVae.map { try AutoencoderKL(folder: URL(fileURLWithPath: $0)) }
        let a = model.accuracy(renderer: try loadRenderer(), count: count, seed: seed, through: vae.map { v in { v.roundTrip($0) } }) {
            log.progress("judging", $0, count, "")
        }
        let layers = model.hasLayerHeads ? model.layerAccuracy(renderer: try loadRenderer(), count: count, seed: seed) {
            log.progress("judging layers", $0, count, "")
        } : nil
        log.clearProgress()
        if output.json {
            try printJSON(Report(attributes: a.report, layers: layers))
        } else {
            for (name, share) in zip(SpriteJudge.headNames, a.perAttribute) { print(String(format: "%-11@ %.2f%%", name, share * 100)) }
            print(String(format: "%-11@ %.2f%% (of %d scenes)", "all five", a.allCorrect * 100, count))
            if let layers {
                print("subject     \(layers.subject.text(percent: true)) (read on the scenes)")
                print("no subject  \(layers.noSubject.text(percent: true)) (read on their backgrounds alone)")
                print("mask IoU    \(layers.maskIoU.text(percent: false)); 5th, 25th, 50th, 75th percentiles "
                      + layers.maskIoUQuantiles.map { String(format: "%.3f", $0) }.joined(separator: ", "))
            }
        }
    }
}
