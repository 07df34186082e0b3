import XCTest
@testable import StrataTraining
import StrataSprites
@testable import StrataTensor

/// The UNet trainer's sprite weighting: each latent cell's error times the sample's weight
/// and 1 + (w − 1)·(the share of the cell the subject covers).
final class SpriteWeightTests: XCTestCase {
    /// A rendered scene's mask at latent size against the pixel count of each 4×4 cell.
    func testCoverageIsTheShareOfEachCellTheSubjectCovers() throws {
        let scene = try SceneRenderer.shipped().render(seed: 12_345)
        let cover = LatentCache.latentCoverage(scene.mask)
        XCTAssertEqual(cover.count, 256)
        for cy in 0..<16 { for cx in 0..<16 {
            var n = 0
            for y in (cy * 4)..<(cy * 4 + 4) { for x in (cx * 4)..<(cx * 4 + 4) where scene.mask[y * 64 + x] > 0 { n += 1 } }
            XCTAssertEqual(cover[cy * 16 + cx], Float(n) / 16, accuracy: 1e-6)
        } }
        let total = scene.mask.reduce(0) { $0 + Int($1 > 0 ? 1 : 0) }
        XCTAssertGreaterThan(total, 0)
        XCTAssertEqual(cover.reduce(0, +) * 16, Float(total), accuracy: 1e-3)
    }

    /// The loss with these weights against the weighted mean computed by hand.
    func testWeightedLossCountsSubjectCellsWTimes() {
        var rng = StrataRandom(seed: 5)
        let a = Tensor.randn([2, 4, 2, 2], using: &rng), b = Tensor.randn([2, 4, 2, 2], using: &rng)
        let coverage = Tensor([0, 0.5, 1, 0, 0.25, 0, 0, 1], shape: [2, 1, 2, 2])
        let sample: [Float] = [0.5, 2], w: Float = 5
        let roots = UNetTrainer.cellWeightRoots(coverage, sampleWeights: sample, spriteWeight: w)
        let loss = a.maskedMSE(b, mask: roots).item
        var want: Float = 0
        for n in 0..<2 { for c in 0..<4 { for cell in 0..<4 {
            let i = (n * 4 + c) * 4 + cell, d = a.data[i] - b.data[i]
            want += sample[n] * (1 + (w - 1) * coverage.data[n * 4 + cell]) * d * d
        } } }
        XCTAssertEqual(loss, want / Float(a.count), accuracy: 1e-5)
        // Weight 1 and no sample weights: every cell weighs 1.
        XCTAssertEqual(UNetTrainer.cellWeightRoots(coverage, sampleWeights: nil, spriteWeight: 1).scalars, [Float](repeating: 1, count: 8))
    }
}
