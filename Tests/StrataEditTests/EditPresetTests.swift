import XCTest
@testable import StrataEdit

/// What the quick preset changes, on the built-in model's kind of settings.
final class EditPresetTests: XCTestCase {
    func testQuickShortensTrainingRaisesRatesAndCapsTheNoiseWeighting() {
        var s = EditSettings()
        s.embeddingSteps = 500; s.finetuneSteps = 250; s.embeddingLR = 1e-4; s.finetuneLR = 2e-5
        s.objectNoiseWeight = 20; s.backgroundNoiseWeight = 2; s.samplingSteps = 50; s.seeds = [1, 2, 3, 4]
        s.identityGuidance = 1
        let q = EditPreset.quick.apply(to: s)
        XCTAssertEqual(q.embeddingSteps, 50); XCTAssertEqual(q.finetuneSteps, 25)
        XCTAssertEqual(q.embeddingLR, 5e-4, accuracy: 1e-12); XCTAssertEqual(q.finetuneLR, 1e-4, accuracy: 1e-12)
        XCTAssertEqual(q.objectNoiseWeight, 5); XCTAssertEqual(q.backgroundNoiseWeight, 2)
        XCTAssertEqual(q.samplingSteps, 20); XCTAssertEqual(q.seeds, [1, 2]); XCTAssertEqual(q.identityGuidance, 0)
        XCTAssertEqual(EditPreset.full.apply(to: s), s)
    }

    func testQuickKeepsAtLeastFortyEmbeddingSteps() {
        var s = EditSettings()
        s.embeddingSteps = 150
        XCTAssertEqual(EditPreset.quick.apply(to: s).embeddingSteps, 40, "a tenth of 150 is too few")
        s.embeddingSteps = 30
        XCTAssertEqual(EditPreset.quick.apply(to: s).embeddingSteps, 30, "never more than the settings ask")
        s.embeddingSteps = 2000
        XCTAssertEqual(EditPreset.quick.apply(to: s).embeddingSteps, 200)
    }
}
