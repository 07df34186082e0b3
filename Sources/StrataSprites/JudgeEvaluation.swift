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
