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

    /// With the velocity weighting on top, each weight is Min-SNR's times min(1/ᾱ_t, cap)
    /// (1/ᾱ_t from NumPy: 1.00085, 1.11829, 3.61883, 214.588 at t = 0, 100, 500, 999).
    func testVelocityWeightingMultipliesMinSNR() throws {
        let schedule = try NoiseSchedule(SpriteModelRecipe.scheduler)
        var s = UNetTrainingSettings()
        XCTAssertNil(UNetTrainer.lossWeights([0, 999], schedule: schedule, settings: s))
        s.minSNRGamma = 5; s.velocityWeightCap = 5
        let w = try XCTUnwrap(UNetTrainer.lossWeights([0, 100, 500, 999], schedule: schedule, settings: s))
        let want: [Float] = [0.0042537241 * 1.0008507, 0.5914453864 * 1.1182887, 3.6188264, 5]
        for (got, v) in zip(w, want) { XCTAssertEqual(got, v, accuracy: v * 1e-4) }
        s.minSNRGamma = 0
        XCTAssertEqual(try XCTUnwrap(UNetTrainer.lossWeights([999], schedule: schedule, settings: s))[0], 5)
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
