// Batches of sprite-world scenes as two layers (F, B, m) and their composites, drawn
// from the same training seeds as SceneBatch, so the layered and the plain models see
// the same scenes at the same steps of a run with the same seed.
import StrataLayers
import StrataSprites
import StrataTensor

public struct LayeredSceneBatch {
    public let scenes: [SceneLayers]
    public let layers: TwoLayerImages
    /// m·F + (1 − m)·B, [N, 3, 64, 64] in [−1, 1].
    public let composites: Tensor

    public init(scenes: [SceneLayers]) {
        self.scenes = scenes
        let side = SceneCanvas.side, plane = side * side, n = scenes.count
        let f = Tensor(zeros: [n, 3, side, side]), b = Tensor(zeros: [n, 3, side, side])
        let m = Tensor(zeros: [n, 1, side, side]), c = Tensor(zeros: [n, 3, side, side])
        for (k, s) in scenes.enumerated() {
            let composite = s.composite
            for i in 0..<plane {
                m.data[k * plane + i] = s.alpha[i]
                for ch in 0..<3 {
                    let o = (k * 3 + ch) * plane + i
                    f.data[o] = s.foreground[i * 3 + ch] / 127.5 - 1
                    b.data[o] = s.background[i * 3 + ch] / 127.5 - 1
                    c.data[o] = composite[i * 3 + ch] / 127.5 - 1
                }
            }
        }
        layers = TwoLayerImages(foreground: f, background: b, mask: m)
        composites = c
    }

    public init(renderer: SceneRenderer, run: UInt64, first: Int, count: Int) {
        self.init(scenes: (first..<(first + count)).map { renderer.renderLayers(seed: SceneBatch.trainingSeed(run: run, index: $0)) })
    }
}
