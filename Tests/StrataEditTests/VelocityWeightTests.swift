import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

/// The velocity weighting of noise-prediction losses (stage 2's L_obj and L_bg, the
/// trainer's): min(1/ᾱ_t, γ) on the scaled-linear schedule
/// (0.00085–0.012, 1000 steps), against 1/ᾱ_t computed with NumPy
/// (`np.cumprod(1 - np.linspace(0.00085**.5, 0.012**.5, 1000)**2)`).
final class VelocityWeightTests: XCTestCase {
    let timesteps = [0, 100, 300, 500, 700, 900, 999]
    let inverseCumprod: [Float] = [1.0008507231, 1.1182886885, 1.6934770651, 3.6188263587, 12.1181465077, 70.6656750489, 214.5877382621]

    func testWeightsAreTheCappedInverseCumulativeAlpha() throws {
        var c = SchedulerConfig(); c.betaStart = 0.00085; c.betaEnd = 0.012; c.betaSchedule = "scaled_linear"; c.numTrainTimesteps = 1000
        let schedule = try NoiseSchedule(c)
        for (t, want) in zip(timesteps, inverseCumprod) {
            XCTAssertEqual(schedule.velocityWeight(t, cap: 1000), want, accuracy: want * 1e-5)
            XCTAssertEqual(schedule.velocityWeight(t, cap: 20), min(want, 20), accuracy: want * 1e-5)
            XCTAssertEqual(schedule.velocityWeight(t, cap: 1), 1)
        }
    }

    /// The weight scales the object loss of the same draw and leaves the background loss alone.
    func testWeightScalesOnlyTheObjectLoss() throws {
        let model = try EditModel(LayerDiffusionEditTests.tinyModel())
        let inputs = LayerDiffusionEditTests.inputs()
        let x = model.latents(inputs.source), mask = model.latentMask(inputs.subjectMask)
        let context = model.text("a dog")
        var plain = LayeredLoss(objectMask: mask, backgroundMask: MaskOps.inverted(mask))
        var drawn: Int?
        plain.objectWeight = { t in drawn = t; return 1 }
        let weighted = LayeredLoss(objectMask: mask, backgroundMask: MaskOps.inverted(mask), objectWeight: { t in Float(t % 7 + 2) })
        var r1 = StrataRandom(seed: 9), r2 = StrataRandom(seed: 9)
        let (a, b) = GradMode.disabled { (plain(unet: model.model.unet, model: model, source: x, reference: x, contexts: (context, context), rng: &r1),
                                          weighted(unet: model.model.unet, model: model, source: x, reference: x, contexts: (context, context), rng: &r2)) }
        let t = try XCTUnwrap(drawn)
        XCTAssertGreaterThan(a.object.item, 0)
        XCTAssertEqual(b.object.item, a.object.item * Float(t % 7 + 2), accuracy: a.object.item * 1e-5)
        XCTAssertEqual(b.background.item, a.background.item)
    }
}
