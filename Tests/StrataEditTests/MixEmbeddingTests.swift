import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

/// Stage 1's second subject embedding (`mix_embedding_lr`): optimised in the same UNet
/// calls, from the same draws, it is what a stage 1 at the mix rate makes of ê_a, and
/// it leaves ê_a and ê_b as they are without it; e_opt mixes it, iterative guidance's
/// steps on ê_a do not.
final class MixEmbeddingTests: XCTestCase {
    func testTheMixEmbeddingIsStageOneAtItsOwnRateFromTheSameDraws() throws {
        let model = try EditModel(try LayerDiffusionEditTests.tinyModel())
        let inputs = LayerDiffusionEditTests.inputs()
        let xs = model.latents(inputs.source), ms = model.latentMask(inputs.subjectMask)
        let bg = model.latentMask(MaskOps.inverted(inputs.subjectMask))
        let ea = model.text(inputs.subjectText), eb = model.text(inputs.backgroundText)
        func run(_ rate: Float, mix: Float?) throws -> EmbeddingOptimisation.Output {
            var stage = EmbeddingOptimisation(steps: 6, learningRate: rate, seed: 3)
            stage.mixLearningRate = mix
            return try stage.run(model: model, source: xs, reference: xs, sourceMask: ms, referenceBackground: bg,
                                 subject: ea, background: eb) { _ in true }
        }
        let both = try run(1e-3, mix: 3e-2)
        let slow = try run(1e-3, mix: nil), fast = try run(3e-2, mix: nil)
        let mix = try XCTUnwrap(both.mixSubject)
        XCTAssertNil(slow.mixSubject)
        // Batch 3 against batch 2 changes only the products' rounding.
        for (a, b, what) in [(both.subject, slow.subject, "ê_a"), (both.background, slow.background, "ê_b"), (mix, fast.subject, "mix")] {
            let diff = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(diff, 1e-4, what)
        }
        // The fast embedding moved far more than the slow one.
        let moved = { (e: Tensor) in zip(e.scalars, ea.scalars).map { abs($0 - $1) }.max()! }
        XCTAssertGreaterThan(moved(mix), 10 * moved(both.subject))
    }

    func testAMixRateReachesEOptButNotTheStepsOnEA() throws {
        let edit = LayerDiffusionEdit(model: try EditModel(try LayerDiffusionEditTests.tinyModel()), modelHash: "tiny")
        let inputs = LayerDiffusionEditTests.inputs()
        var s = LayerDiffusionEditTests.quickSettings()
        let plain = try edit.run(inputs, settings: s)
        s.mixEmbeddingLR = 3e-2
        XCTAssertThrowsError(try edit.run(inputs, settings: s, cachedOnly: true)) { XCTAssertEqual($0 as? EditError, .notCached(.optimise)) }
        let mixed = try edit.run(inputs, settings: s)
        let drift = zip(mixed.subjectEmbedding.scalars, plain.subjectEmbedding.scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(drift, 1e-4, "ê_a is stage 1's at embedding_lr")
        XCTAssertNotEqual(mixed.mixedEmbedding.scalars, plain.mixedEmbedding.scalars)
        let settings = try JSONDecoder().decode(EditSettings.self, from: Data(#"{"mix_embedding_lr": 0.01}"#.utf8))
        XCTAssertEqual(settings.mixEmbeddingLR, 0.01)
        XCTAssertEqual(EditPreset.quick.apply(to: settings).mixEmbeddingLR, 0.05, accuracy: 1e-12)
    }
}
