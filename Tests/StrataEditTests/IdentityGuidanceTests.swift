import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

/// Identity guidance in stage 3 against a sampling loop written out step by step, on the
/// tiny random components of the model tests, with a UNet of shifted weights standing in
/// for a fine-tuned one.
final class IdentityGuidanceTests: XCTestCase {
    /// `base` with every weight moved by a few percent of itself.
    static func shifted(_ base: UNet2DConditionModel) throws -> UNet2DConditionModel {
        var rng = TorchRandom(seed: 77)
        var all = ModelFolderWriter.tensors(base.parameters)
        for (name, t) in all { all[name] = t + t * Tensor.randn(t.shape, using: &rng) * 0.05 }
        return try UNet2DConditionModel(config: base.config, weights: .copying(all, source: "shifted"))
    }

    /// Left half of a 16×16 latent mask covered, one column half covered, the rest not.
    static func placement() -> Tensor {
        let m = Tensor(zeros: [1, 1, 16, 16])
        for y in 0..<16 { for x in 0..<9 { m.data[y * 16 + x] = x == 8 ? 0.5 : 1 } }
        return m
    }

    /// DDIM with guidance, the text alternating from ê_a (even steps) to e_opt, and at the
    /// steps on e_opt the unconditional prediction mixed from the two UNets by `weight`.
    func handWritten(model: EditModel, tuned: UNet2DConditionModel, subject: Tensor, mixed: Tensor, weight: Tensor,
                     scale: Float, steps: Int, seed: UInt64) throws -> Tensor {
        var scheduler = try SchedulerKind.ddim.make(model.model.schedulerConfig, steps: steps)
        var rng = TorchRandom(seed: seed)
        var x = Tensor.randn([1, 4, 16, 16], using: &rng) * scheduler.initNoiseSigma
        let empty = model.text("")
        GradMode.disabled {
            for (i, t) in scheduler.timesteps.enumerated() {
                let input = scheduler.scaleModelInput(x, step: i)
                let ts = Tensor(repeating: Float(t), shape: [1])
                let fromTuned = tuned(input, timesteps: ts, context: empty)
                let fromBase = model.model.unet(input, timesteps: ts, context: empty)
                let conditional = tuned(input, timesteps: ts, context: i % 2 == 0 ? subject : mixed)
                let u = i % 2 == 1 ? fromTuned * (weight * -1 + 1) + fromBase * weight : fromTuned  // on e_opt's steps
                x = scheduler.step(u * (1 - scale) + conditional * scale, step: i, sample: x) { fatalError("DDIM draws no noise") }
            }
        }
        return model.image(x)
    }

    func testIdentityGuidanceMatchesAHandWrittenLoop() throws {
        let model = try EditModel(try LayerDiffusionEditTests.tinyModel())
        let tuned = try Self.shifted(model.model.unet)
        let subject = model.text("a dog jumping"), mixed = model.text("a dog jumping in a forest")
        var guidance = IterativeGuidance(steps: 4, guidanceScale: 4, scheduler: .ddim)
        guidance.identityGuidance = 0.75
        guidance.placement = Self.placement()
        XCTAssertTrue(guidance.samplesTogether([9, 4], latentSide: 16))
        let images = try guidance.run(model: model, unet: tuned, subject: subject, mixed: mixed, empty: model.text(""),
                                      latentShape: [1, 4, 16, 16], seeds: [9, 4]) { _ in true }
        for (image, seed) in zip(images, [9, 4] as [UInt64]) {
            let expected = try handWritten(model: model, tuned: tuned, subject: subject, mixed: mixed,
                                           weight: Self.placement() * 0.75, scale: 4, steps: 4, seed: seed)
            XCTAssertLessThanOrEqual(relativeError(image, expected), 1e-5)
        }
        // Off, the same loop with the tuned UNet's own unconditional prediction.
        guidance.identityGuidance = 0
        let plain = try guidance.run(model: model, unet: tuned, subject: subject, mixed: mixed, empty: model.text(""),
                                     latentShape: [1, 4, 16, 16], seeds: [9]) { _ in true }[0]
        let expected = try handWritten(model: model, tuned: tuned, subject: subject, mixed: mixed,
                                       weight: Tensor(zeros: [1, 1, 1, 1]), scale: 4, steps: 4, seed: 9)
        XCTAssertLessThanOrEqual(relativeError(plain, expected), 1e-5)
        XCTAssertGreaterThan(relativeError(images[0], plain), 1e-3, "identity guidance changes the picture")
    }

    /// It runs only when there is something fine-tuned to guide from; with LoRA the base
    /// pass sets the adapters aside and puts them back.
    func testIdentityGuidanceNeedsAFineTunedUNet() throws {
        let model = try EditModel(try LayerDiffusionEditTests.tinyModel())
        let base = model.model.unet
        var guidance = IterativeGuidance(steps: 4, guidanceScale: 4, scheduler: .ddim)
        guidance.identityGuidance = 1
        XCTAssertFalse(guidance.identityGuided(try Self.shifted(base), base: base), "no placement")
        guidance.placement = Self.placement()
        XCTAssertFalse(guidance.identityGuided(base, base: base), "nothing fine-tuned")
        XCTAssertTrue(guidance.identityGuided(try Self.shifted(base), base: base))

        var rng = TorchRandom(seed: 5)
        let x = Tensor.randn([1, 4, 16, 16], using: &rng)
        let ts = Tensor(repeating: 500, shape: [1]), empty = model.text("")
        let plain = GradMode.disabled { base(x, timesteps: ts, context: empty) }
        let adapters = base.loraAdapters(rank: 2, seed: 3)
        for a in adapters.values { for i in 0..<a.up.count { a.up.data[i] = 0.1 } }  // up starts at zero
        let tuned = try base.with(adapters)
        XCTAssertTrue(guidance.identityGuided(tuned, base: base))
        let adapted = GradMode.disabled { tuned(x, timesteps: ts, context: empty) }
        XCTAssertGreaterThan(relativeError(adapted, plain), 1e-3)
        let blend = try XCTUnwrap(guidance.identityBlend(tuned, base: base))
        XCTAssertEqual(GradMode.disabled { blend.predict(x, ts, empty) }.scalars, plain.scalars)
        XCTAssertEqual(GradMode.disabled { tuned(x, timesteps: ts, context: empty) }.scalars, adapted.scalars)
    }
}
