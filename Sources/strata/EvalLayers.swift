import ArgumentParser
import Foundation
import StrataLayers
import StrataModels
import StrataSprites
import StrataTensor
import StrataTraining

struct EvalLayers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layers",
        abstract: "Generate layers for N prompts of fresh scenes and judge the composite, each layer and the mask (docs/layers.md), with the judge's own accuracy beside.")

    enum Method: String, ExpressibleByArgument, CaseIterable {
        /// The layered model (default: the shipped one).
        case text2layer
        /// A layered model trained without the auxiliary composite head (give --model).
        case noSup = "no-sup"
        /// The paper's baseline: a layered model on the image autoencoder's latents of F and B apart (give --model).
        case baseline
        /// An image model's text-to-image (default: the built-in model): composite measures only.
        case image
    }

    @Option(help: "Prompts.") var count = 400
    @Option(help: "Evaluation seed (prompts and noise come from it; scenes from seeds ≥ 1,000,000,000).") var seed: UInt64 = 1
    @Option(help: "What generates: \(Method.allCases.map(\.rawValue).joined(separator: ", ")).") var method: Method = .text2layer
    @Option(help: "Model folder (default: the shipped layered model, or the built-in model for --method image).") var model: String?
    @Option(help: "Sampling steps (DDIM).") var steps = 50
    @Option(help: "Classifier-free guidance scale.") var cfg = 7.5
    @Option(help: "Judge folder with subject and mask heads (default: the built-in judge).") var judge: String?
    @Option(help: "Judge scenes for the judge's own accuracy.") var judgeCount = 1000
    @Option(help: "The --json output of another method on the same prompts and seeds: print the paired differences (this run minus that one).") var compare: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var engine: ThreadOptions

    /// What `--json` prints: the measures and the judge's own accuracy.
    struct Summary: Codable {
        let measures: LayeredGenerationEvaluation.Report
        let judge: JudgeAccuracy.Report
        let judgeLayers: JudgeLayerAccuracy
        var paired: LayeredGenerationEvaluation.PairedDifferences? = nil
        enum CodingKeys: String, CodingKey { case measures, judge, paired, judgeLayers = "judge_layers" }
    }

    func validate() throws {
        try requireCount(count)
        guard count >= 2 else { throw ValidationError("--count must be at least 2 (the Fréchet distance needs two images)") }
        guard steps >= 1 && steps <= 1000 else { throw ValidationError("--steps must be between 1 and 1000") }
        guard judgeCount >= 1 else { throw ValidationError("--judge-count must be positive") }
        if method == .noSup && model == nil { throw ValidationError("--method no-sup needs --model (a layered model trained with --composite-weight 0)") }
        if method == .baseline && model == nil { throw ValidationError("--method baseline needs --model (a layered model trained with --baseline-vae)") }
    }

    func run() throws {
        engine.apply()
        let log = output.makeLog()
        let judgeModel = try loadJudge(judge)
        guard judgeModel.hasLayerHeads else { throw fail("this judge has no subject and mask heads (train them with `strata train judge --layer-heads`)") }
        let renderer = try loadRenderer()
        var settings = TextToImageSettings(prompt: "", width: 64, height: 64)
        settings.steps = steps; settings.guidanceScale = cfg
        let generate: (String, UInt64) throws -> LayeredGenerationEvaluation.Generated
        switch method {
        case .text2layer, .noSup, .baseline:
            let pipeline = TextToLayers(model: try loadLayeredModel(model).model)
            generate = { prompt, noiseSeed in
                var s = settings
                s.prompt = prompt; s.seed = noiseSeed
                return .layers(try pipeline.run(s))
            }
        case .image:
            let t2i = TextToImage(model: try loadModel(model).model)
            generate = { prompt, noiseSeed in
                var s = settings
                s.prompt = prompt; s.seed = noiseSeed
                var rng = TorchRandom(seed: noiseSeed)
                return .image(try t2i.run(s, rng: &rng) * 2 - 1)
            }
        }
        let other: LayeredGenerationEvaluation.Report?
        do { other = try compare.map { try JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: $0))).measures } } catch {
            throw fail("--compare \(compare!): not the --json output of strata eval layers (\(error))")
        }
        if let other, other.count != count || other.seed != seed {
            throw fail("--compare: that run measured \(other.count) prompts of seed \(other.seed), this one \(count) of seed \(seed): not paired")
        }
        let evaluation = LayeredGenerationEvaluation(judge: judgeModel, renderer: renderer)
        let report = try evaluation.run(method: method.rawValue, count: count, seed: seed, generate: generate) {
            log.progress("generating", $0, count)
        }
        let attributes = judgeModel.accuracy(renderer: renderer, count: judgeCount, seed: seed &+ 5_000)
        let layers = judgeModel.layerAccuracy(renderer: renderer, count: judgeCount, seed: seed &+ 5_000)
        log.clearProgress()
        let paired = other.map { report.pairedDifferences(against: $0) }
        if output.json {
            try printJSON(Summary(measures: report, judge: attributes.report, judgeLayers: layers, paired: paired))
            return
        }
        let pct = { (m: SampleMean) in m.text(percent: true) }
        print("\(count) prompts, \(method.rawValue), DDIM \(steps) steps, CFG \(cfg); each image counts on its own (± one standard error)")
        print("composite, all four right   \(pct(report.compositeAllFour))  ("
              + ["animal", "pose", "size", "background"].map { "\($0) \(pct(report.compositePerAttribute[$0]!))" }.joined(separator: ", ") + ")")
        if let place = report.backgroundPlace, let empty = report.backgroundNoSubject, let both = report.backgroundBoth {
            print("background: place and none  \(pct(both))  (place \(pct(place)), no subject \(pct(empty)))")
        }
        if let fg = report.foregroundAllThree, let per = report.foregroundPerAttribute {
            print("foreground over a fresh B   \(pct(fg))  (animal, size and pose; "
                  + ["animal", "size", "pose", "fresh_background"].map { "\($0) \(pct(per[$0]!))" }.joined(separator: ", ") + ")")
        }
        if let tints = report.foregroundTintShares {
            print("foreground tints: " + Tint.allCases.map { String(format: "%@ %.0f%%", $0.word, tints[$0.word]! * 100) }.joined(separator: ", "))
        }
        if let iou = report.maskIoU, let q = report.maskIoUQuantiles {
            print("mask IoU                    \(iou.text(percent: false))  (5th, 25th, 50th, 75th percentiles "
                  + q.map { String(format: "%.3f", $0) }.joined(separator: ", ") + ")")
        }
        print(String(format: "Fréchet distance            %.2f  (two sets of renders of the same prompts: %.2f)", report.frechet, report.frechetRenderFloor))
        print(String(format: "seconds per image           %.2f", report.secondsPerImage))
        if let paired {
            print("against \(paired.other), same prompts and seeds (this minus that, ± one standard error of the paired difference):")
            print("  composite all four \(paired.compositeAllFour.text(signedPercent: true))"
                  + (paired.maskIoU.map { ", mask IoU \($0.text(signedPercent: false))" } ?? "")
                  + String(format: ", Fréchet distance %+.2f", paired.frechet))
        }
        print(String(format: "judge on %d fresh renders: all five %.1f%%, subject %@, no subject on backgrounds %@, mask IoU %@",
                     judgeCount, attributes.allCorrect * 100, layers.subject.text(percent: true), layers.noSubject.text(percent: true),
                     layers.maskIoU.text(percent: false)))
    }
}
