import XCTest
import StrataSprites
@testable import StrataTraining

/// The caption mix of UNet training: one uniform draw picks empty, subject half, place
/// half or the whole caption, in the shares the settings give.
final class TrainingCaptionTests: XCTestCase {
    func testDrawPicksEachFormInItsShare() {
        var s = UNetTrainingSettings()
        s.captionDropout = 0.1; s.partCaptions = 0.2
        let caption = "a big cow lying in a forest"
        func pick(_ d: Float) -> String { UNetTrainer.trainingCaption(caption, draw: d, settings: s) }
        XCTAssertEqual(pick(0.05), "")
        XCTAssertEqual(pick(0.15), "a big cow lying")
        XCTAssertEqual(pick(0.25), "in a forest")
        XCTAssertEqual(pick(0.35), caption)
        XCTAssertEqual(pick(0.99), caption)
    }

    func testWithoutPartCaptionsTheMixIsUnchanged() {
        var s = UNetTrainingSettings()
        s.captionDropout = 0.1
        for d: Float in [0.1, 0.15, 0.5] {
            XCTAssertEqual(UNetTrainer.trainingCaption("a dog standing on the moon", draw: d, settings: s), "a dog standing on the moon")
        }
        XCTAssertEqual(UNetTrainer.trainingCaption("a dog standing on the moon", draw: 0.09, settings: s), "")
    }

    func testTextOutsideTheWorldStaysWhole() {
        var s = UNetTrainingSettings()
        s.captionDropout = 0; s.partCaptions = 1
        XCTAssertEqual(UNetTrainer.trainingCaption("a photo of a cat", draw: 0.2, settings: s), "a photo of a cat")
    }

    func testMixedShareFollowsThePartCaptions() {
        var s = UNetTrainingSettings()
        s.captionDropout = 0.1; s.partCaptions = 0.2; s.mixedCaptions = 0.1
        let caption = "a big cow lying in a forest"
        XCTAssertNil(UNetTrainer.mixedHalves(caption, draw: 0.25, settings: s))
        XCTAssertEqual(UNetTrainer.mixedHalves(caption, draw: 0.32, settings: s)?.subject, "a big cow lying")
        XCTAssertEqual(UNetTrainer.mixedHalves(caption, draw: 0.32, settings: s)?.background, "in a forest")
        XCTAssertNil(UNetTrainer.mixedHalves(caption, draw: 0.41, settings: s))
        XCTAssertNil(UNetTrainer.mixedHalves("a photo of a cat", draw: 0.32, settings: s))
        // The mixed share takes whole captions only: the other forms are unchanged.
        XCTAssertEqual(UNetTrainer.trainingCaption(caption, draw: 0.32, settings: s), caption)
    }

    /// The tinted captions come from each cached scene's own seed.
    func testTintedCaptionsFollowEachScenesSeed() throws {
        let specs = (0..<5).map { SceneSpec(seed: SceneBatch.trainingSeed(run: 7, index: $0)) }
        let tinted = try UNetTrainer.tintedCaptions(captions: specs.map(\.caption.text), run: 7)
        for (spec, text) in zip(specs, tinted) {
            XCTAssertTrue(text.contains(" \(spec.tint.word) \(spec.animal.word) "), text)
            XCTAssertEqual(Caption.split(text)?.background, spec.caption.backgroundText)
        }
        // A cache whose captions are not its seeds' is refused.
        XCTAssertThrowsError(try UNetTrainer.tintedCaptions(captions: specs.reversed().map(\.caption.text), run: 7))
    }
}
