import XCTest
@testable import StrataTraining
import StrataModels
@testable import StrataTensor

/// Min-SNR-γ weights on the built-in model's schedule against diffusers'
/// `training_utils.compute_snr` (DDPMScheduler, scaled-linear 0.00085–0.012, 1000 steps),
/// weights min(SNR, 5)/SNR as diffusers' text-to-image example computes them.
final class MinSNRWeightTests: XCTestCase {
    let timesteps = [0, 50, 100, 200, 300, 500, 999]
    let diffusersWeights: [Float] = [0.0042537241, 0.2544374764, 0.5914453864, 1, 1, 1, 1]

    func testWeightsMatchDiffusers() throws {
        let schedule = try NoiseSchedule(SpriteModelRecipe.scheduler)
        let w = UNetTrainer.minSNRWeights(timesteps, alphasCumprod: schedule.alphasCumprod, gamma: 5)
        for (got, want) in zip(w, diffusersWeights) { XCTAssertEqual(got, want, accuracy: want * 1e-4) }
        XCTAssertEqual(UNetTrainer.minSNRWeights(timesteps, alphasCumprod: schedule.alphasCumprod, gamma: 0), timesteps.map { _ in 1 })
    }

    /// The loss the trainer minimises: the mean over the batch of each sample's weight
    /// times its mean squared error, computed here by hand.
    func testWeightedLossIsThePerSampleWeightedMean() {
        var rng = StrataRandom(seed: 3)
        let a = Tensor.randn([2, 3, 2, 2], using: &rng), b = Tensor.randn([2, 3, 2, 2], using: &rng)
        let w: [Float] = [0.25, 1]
        let loss = a.maskedMSE(b, mask: Tensor(w.map { $0.squareRoot() }, shape: [2, 1, 1, 1])).item
        var want: Float = 0
        for i in 0..<a.count { let d = a.data[i] - b.data[i]; want += w[i / 12] * d * d }
        XCTAssertEqual(loss, want / Float(a.count), accuracy: 1e-5)
    }
}
