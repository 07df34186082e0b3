import ArgumentParser
import Foundation
import StrataEdit
import StrataSprites
import StrataTensor

/// How well the model's DiffEdit-style mask suggestion finds the subject of fresh renders,
/// whose true masks are known: mean intersection over union per strength and threshold.
struct EvalMask: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mask",
        abstract: "Suggest the subject mask of N fresh scenes from the model and print the mean intersection over union with the true masks per noise strength and threshold, for the map's blocks and for the colour-refined mask.")
    @Option(help: "Scenes.") var count = 50

    func validate() throws { try requireCount(count) }
    @Option(help: "Evaluation seed.") var seed: UInt64 = 1
    @Option(help: "Model folder (default: the built-in model).") var model: String?
    @Option(help: "Noise strengths, comma-separated.") var strengths = "0.3,0.5,0.7"
    @Option(help: "Thresholds of the normalised difference, comma-separated.") var thresholds = "0.2,0.3,0.4,0.5"
    @Option(help: "Noise draws per image.") var draws = 8
    @Flag(help: "Compare the whole caption with the place phrase instead of the subject text with the place phrase.") var caption = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var engine: ThreadOptions

    /// What `--json` prints: mean IoU with the true mask for each strength and threshold.
    struct Report: Codable {
        struct Row: Codable {
            let strength, threshold, iou, refinedIoU: Double
            enum CodingKeys: String, CodingKey { case strength, threshold, iou, refinedIoU = "refined_iou" }
        }
        let count: Int
        /// True when the whole caption, not the subject text, was compared with the place phrase.
        let caption: Bool
        let results: [Row]
    }

    func run() throws {
        engine.apply()
        let log = output.makeLog()
        let (sd, _) = try loadModel(model)
        let editModel = try EditModel(sd)
        let renderer = try loadRenderer()
        let strengthList = strengths.split(separator: ",").compactMap { Double($0) }
        let thresholdList = thresholds.split(separator: ",").compactMap { Float($0) }
        guard !strengthList.isEmpty, !thresholdList.isEmpty else { throw fail("--strengths and --thresholds must be numbers separated by commas") }
        // Per strength and threshold: the map's blocks, then the colour-refined mask.
        var iou = [[Double]](repeating: [Double](repeating: 0, count: thresholdList.count), count: strengthList.count)
        var refinedIoU = iou
        for i in 0..<count {
            let spec = SceneSpec(seed: SceneSpec.evaluationSeed(seed, index: i))
            let scene = renderer.render(spec)
            let image = GradMode.disabled { SpriteJudge.images([scene.rgb]) * 0.5 + 0.5 }
            let query = caption ? spec.caption.text : spec.caption.subjectText
            let side = image.shape[2] / editModel.factor
            for (a, strength) in strengthList.enumerated() {
                let map = MaskSuggestion.difference(model: editModel, image: image, query: query, reference: spec.caption.backgroundText,
                                                    draws: draws, strength: strength, seed: UInt64(i))
                for (b, threshold) in thresholdList.enumerated() {
                    let m = MaskSuggestion.mask(map, height: side, width: side, factor: editModel.factor, threshold: threshold)
                    iou[a][b] += MaskOps.intersectionOverUnion(m, scene.mask) / Double(count)
                    let r = MaskRefinement.refine(image: image, map: map, height: side, width: side, threshold: threshold)
                    refinedIoU[a][b] += MaskOps.intersectionOverUnion(r, scene.mask) / Double(count)
                }
            }
            log.progress("suggesting", i + 1, count, "")
        }
        log.clearProgress()
        if output.json {
            let rows = strengthList.enumerated().flatMap { a, s in thresholdList.enumerated().map { b, t in
                Report.Row(strength: s, threshold: Double(t), iou: iou[a][b], refinedIoU: refinedIoU[a][b]) } }
            try printJSON(Report(count: count, caption: caption, results: rows))
        } else {
            print("\(count) scenes, \(caption ? "caption" : "subject text") vs place phrase, \(draws) draws: mean IoU with the true mask")
            print("strength mask   " + thresholdList.map { String(format: "  t=%.2f", $0) }.joined())
            for (a, s) in strengthList.enumerated() {
                print(String(format: "%8.2f blocks ", s) + iou[a].map { String(format: "  %5.3f ", $0) }.joined())
                print(String(format: "%8.2f refined", s) + refinedIoU[a].map { String(format: "  %5.3f ", $0) }.joined())
            }
        }
    }
}
