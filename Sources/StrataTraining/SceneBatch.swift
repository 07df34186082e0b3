// Batches of sprite-world scenes as tensors: images in [−1, 1] and the subject masks,
// drawn from seeds below the evaluation range that depend only on (run seed, index),
// so a resumed run sees the same data it would have seen.
import StrataSprites
import StrataTensor

public struct SceneBatch {
    public let scenes: [Scene]
    /// [N, 3, 64, 64] in [−1, 1].
    public let images: Tensor
    /// [N, 1, 64, 64], 1 on the subject.
    public let masks: Tensor

    /// The training seed of sample `index` of a run.
    public static func trainingSeed(run: UInt64, index: Int) -> UInt64 {
        var r = StrataRandom(seed: run &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(index))
        return r.nextUInt64() % SceneSpec.evaluationSeedBase
    }

    public init(scenes: [Scene]) {
        self.scenes = scenes
        let side = SceneCanvas.side, plane = side * side
        images = SpriteJudge.images(scenes.map(\.rgb))
        masks = Tensor(zeros: [scenes.count, 1, side, side])
        for (n, s) in scenes.enumerated() { for i in 0..<plane { masks.data[n * plane + i] = Float(s.mask[i]) } }
    }

    public init(renderer: SceneRenderer, run: UInt64, first: Int, count: Int) {
        self.init(scenes: (first..<(first + count)).map { renderer.render(seed: SceneBatch.trainingSeed(run: run, index: $0)) })
    }
}
