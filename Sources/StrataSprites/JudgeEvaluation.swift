// The judge's own accuracy on fresh renders from evaluation seeds, which every figure
// it gives is reported beside.
import Foundation
import StrataTensor

public struct JudgeAccuracy: Sendable {
    public var count: Int
    /// Share correct per head, in SpriteJudge.headNames order.
    public var perAttribute: [Double]
    public var allCorrect: Double

    /// What `strata eval judge --json` prints.
    public struct Report: Codable {
        public let count: Int
        public let allCorrect: Double
        public let perAttribute: [String: Double]
        enum CodingKeys: String, CodingKey { case count, allCorrect = "all_correct", perAttribute = "per_attribute" }
    }

    public var report: Report {
        Report(count: count, allCorrect: allCorrect, perAttribute: Dictionary(uniqueKeysWithValues: zip(SpriteJudge.headNames, perAttribute)))
    }
}

extension SpriteJudge {
    /// `through` changes the images before they are read (e.g. a VAE round trip, to
    /// measure the judge on images as a model makes them; labels stay the renders').
    public func accuracy(renderer: SceneRenderer, count: Int, seed: UInt64, through: ((Tensor) -> Tensor)? = nil,
                         progress: (Int) -> Void = { _ in }) -> JudgeAccuracy {
        var correct = [Int](repeating: 0, count: SpriteJudge.heads.count), all = 0
        for first in stride(from: 0, to: count, by: 100) {
            let scenes = (first..<min(count, first + 100)).map { renderer.render(seed: SceneSpec.evaluationSeed(seed, index: $0)) }
            let images = SpriteJudge.images(scenes.map(\.rgb))
            let readings = read(through.map { $0(images) } ?? images)
            for (s, r) in zip(scenes, readings) {
                let m = r.matches(s.spec)
                for h in m.indices where m[h] { correct[h] += 1 }
                if m.allSatisfy({ $0 }) { all += 1 }
            }
            progress(first + scenes.count)
        }
        return JudgeAccuracy(count: count, perAttribute: correct.map { Double($0) / Double(count) }, allCorrect: Double(all) / Double(count))
    }
}

/// The judge's layer heads on fresh renders: the subject answer on scenes and on their
/// backgrounds alone, and the mask's IoU against the sprite's (alpha above 0.5).
public struct JudgeLayerAccuracy: Sendable, Codable {
    /// "Subject" read on renders.
    public var subject: SampleMean
    /// "No subject" read on the same scenes' backgrounds alone.
    public var noSubject: SampleMean
    public var maskIoU: SampleMean
    /// IoU at the 5th, 25th, 50th and 75th percentiles.
    public var maskIoUQuantiles: [Double]
    enum CodingKeys: String, CodingKey {
        case subject, noSubject = "no_subject", maskIoU = "mask_iou", maskIoUQuantiles = "mask_iou_quantiles"
    }
}

/// Values at the given fractions of their sorted order (nearest rank).
public func quantiles(_ values: [Double], _ fractions: [Double]) -> [Double] {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return fractions.map { _ in .nan } }
    return fractions.map { sorted[min(sorted.count - 1, Int(($0 * Double(sorted.count)).rounded(.down)))] }
}

extension SpriteJudge {
    public func layerAccuracy(renderer: SceneRenderer, count: Int, seed: UInt64, progress: (Int) -> Void = { _ in }) -> JudgeLayerAccuracy {
        var subject: [Bool] = [], empty: [Bool] = [], ious: [Double] = []
        for first in stride(from: 0, to: count, by: 100) {
            let scenes = (first..<min(count, first + 100)).map { renderer.renderLayers(seed: SceneSpec.evaluationSeed(seed, index: $0)) }
            let withSubject = readLayers(SpriteJudge.images(scenes.map(\.compositeBytes)))
            let alone = readLayers(SpriteJudge.images(scenes.map(\.backgroundBytes)))
            for (s, (r, b)) in zip(scenes, zip(withSubject, alone)) {
                subject.append(r.hasSubject)
                empty.append(!b.hasSubject)
                ious.append(maskIoU(r.mask, s.alpha))
            }
            progress(first + scenes.count)
        }
        return JudgeLayerAccuracy(subject: SampleMean(outcomes: subject), noSubject: SampleMean(outcomes: empty), maskIoU: SampleMean(ious),
                                  maskIoUQuantiles: quantiles(ious, [0.05, 0.25, 0.5, 0.75]))
    }
}
