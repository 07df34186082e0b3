import XCTest
@testable import StrataTraining
import StrataModels
import StrataSprites
@testable import StrataTensor

/// Judge training's VAE round trips: the first share of a batch is replaced by what the
/// VAE gives back, the rest is left as rendered, and without latent noise a replaced
/// image is exactly the VAE's own round trip of it.
final class JudgeRoundTripTests: XCTestCase {
    func testTheFirstShareGoesThroughTheVAE() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-judge-rt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let vae = try AutoencoderKL(config: SpriteModelRecipe.vae, weights: .initialized(seed: 1))
        var settings = JudgeTrainingSettings()
        settings.batch = 4; settings.roundTrip = 0.5; settings.latentNoise = 0
        let trainer = try JudgeTrainer(folder: root, settings: settings, renderer: SceneRenderer.shipped(), vae: vae)
        var rng = StrataRandom(seed: 2)
        let images = Tensor.randn([4, 3, 64, 64], using: &rng).clamped(-1, 1)
        let out = trainer.throughVAE(images, rng: &rng)
        let per = 3 * 64 * 64
        // The same batch size as the trainer's round trip, so the kernels sum in the same order.
        let firstTwo = Tensor(zeros: [2, 3, 64, 64])
        firstTwo.data.update(from: images.data, count: 2 * per)
        let expected = vae.roundTrip(firstTwo)
        var worst: Float = 0
        for i in 0..<(2 * per) { worst = max(worst, abs(out.data[i] - expected.data[i])) }
        XCTAssertLessThan(worst, 1e-6)
        for i in (2 * per)..<(4 * per) { XCTAssertEqual(out.data[i], images.data[i]) }
        // Round trips land on 8-bit levels.
        for i in 0..<(2 * per) { let v = (out.data[i] + 1) * 127.5; XCTAssertEqual(v, v.rounded(), accuracy: 1e-3) }
        XCTAssertEqual(trainer.roundTrips(4), 2)
        XCTAssertEqual(trainer.roundTrips(1), 0, "at least one render stays for the tint head")
    }
}
