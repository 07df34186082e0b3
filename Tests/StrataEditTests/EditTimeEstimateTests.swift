import XCTest
@testable import StrataEdit
@testable import StrataModels

/// The expected duration a job states before it starts counts only the stages it will
/// run: those in the stage cache, and those a sweep's later runs share with its first, are
/// left out.
final class EditTimeEstimateTests: XCTestCase {
    func testTheEstimateCountsOnlyTheStagesThatWillRun() throws {
        let edit = LayerDiffusionEdit(model: try EditModel(try LayerDiffusionEditTests.tinyModel()), modelHash: "tiny")
        let inputs = LayerDiffusionEditTests.inputs(), s = LayerDiffusionEditTests.quickSettings()
        let fresh = try XCTUnwrap(EditTimeEstimate.forRuns(edit, inputs, runs: [s]))
        XCTAssertEqual(Set(fresh.seconds.keys), Set(EditStage.allCases))
        XCTAssertTrue(fresh.statement.hasPrefix("expected duration: about "))
        XCTAssertFalse(fresh.statement.contains("stage cache"))
        // Stage 2 costs more per step than stage 1, and each stage grows with its steps.
        XCTAssertGreaterThan(fresh.seconds[.finetune]! / Double(s.finetuneSteps), fresh.seconds[.optimise]! / Double(s.embeddingSteps))
        var longer = s
        longer.finetuneSteps *= 2
        let twice = try XCTUnwrap(EditTimeEstimate.forRun(edit, inputs, settings: longer, passSeconds: fresh.passSeconds))
        XCTAssertEqual(twice.seconds[.finetune]!, 2 * fresh.seconds[.finetune]!, accuracy: 1e-12)
        // Identity guidance adds a pass at every other sampling step, at every step without
        // the alternation, and nothing without a fine-tuned UNet to guide from.
        var identity = s
        identity.identityGuidance = 1
        func sample(_ settings: EditSettings) throws -> Double {
            try XCTUnwrap(EditTimeEstimate.forRun(edit, inputs, settings: settings, passSeconds: fresh.passSeconds)).seconds[.sample]!
        }
        XCTAssertEqual(try sample(identity), 1.4 * fresh.seconds[.sample]!, accuracy: 1e-12)
        identity.ablation = .noIterativeGuidance
        XCTAssertEqual(try sample(identity), 1.8 * fresh.seconds[.sample]!, accuracy: 1e-12)
        identity.ablation = .noStage2
        XCTAssertEqual(try sample(identity), fresh.seconds[.sample]!, accuracy: 1e-12)

        // A sweep of α before anything is cached: its later runs share stages 0 and 1 with
        // the first, and fine-tune and sample again.
        var a = s, b = s
        a.alpha = 0.3; b.alpha = 0.4
        let scale = { (e: EditTimeEstimate) in e.passSeconds / fresh.passSeconds }
        let sweep = try XCTUnwrap(EditTimeEstimate.forRuns(edit, inputs, runs: [s, a, b], sweptFrom: .finetune))
        XCTAssertEqual(sweep.seconds[.optimise]!, fresh.seconds[.optimise]! * scale(sweep), accuracy: 1e-9)
        XCTAssertEqual(sweep.seconds[.finetune]!, 3 * fresh.seconds[.finetune]! * scale(sweep), accuracy: 1e-9)
        XCTAssertEqual(sweep.seconds[.sample]!, 3 * fresh.seconds[.sample]! * scale(sweep), accuracy: 1e-9)
        let unknown = try XCTUnwrap(EditTimeEstimate.forRuns(edit, inputs, runs: [s, a, b]))
        XCTAssertEqual(unknown.seconds[.optimise]!, 3 * fresh.seconds[.optimise]! * scale(unknown), accuracy: 1e-9,
                       "not knowing what a sweep changes, each run counts every stage")

        _ = try edit.run(inputs, settings: s)
        XCTAssertNil(EditTimeEstimate.forRuns(edit, inputs, runs: [s]))
        XCTAssertEqual(EditTimeEstimate.statement(edit, inputs, runs: [s]), "every stage is in the stage cache")

        var guidance = s
        guidance.guidanceScale += 1
        let sampleOnly = try XCTUnwrap(EditTimeEstimate.forRuns(edit, inputs, runs: [guidance]))
        XCTAssertEqual(Array(sampleOnly.seconds.keys), [.sample])
        XCTAssertTrue(sampleOnly.statement.hasSuffix("; reference, optimise, finetune from the stage cache"), sampleOnly.statement)

        // The same sweep once the first value is cached: only the later runs' stages 2, 3.
        let after = try XCTUnwrap(EditTimeEstimate.forRuns(edit, inputs, runs: [s, a, b], sweptFrom: .finetune))
        XCTAssertEqual(Set(after.seconds.keys), [.finetune, .sample])
        XCTAssertEqual(after.seconds[.finetune]!, 2 * fresh.seconds[.finetune]! * scale(after), accuracy: 1e-9)
    }
}
