import Foundation
import XCTest
@testable import StrataEdit

/// A model folder's `strata_edit.json`: partial files keep the method note's defaults for
/// what they leave out; malformed ones are refused rather than silently ignored.
final class EditSettingsFileTests: XCTestCase {
    func folder(_ json: String?) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-model-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if let json { try Data(json.utf8).write(to: url.appendingPathComponent(EditSettings.modelFileName)) }
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testNoFileGivesTheMethodNoteDefaults() throws {
        XCTAssertEqual(try EditSettings.forModel(folder: folder(nil)), EditSettings())
    }

    func testPartialFileChangesOnlyWhatItNames() throws {
        let s = try EditSettings.forModel(folder: folder(#"{"alpha": 0.5, "finetune_lr": 0.0001, "seeds": [3, 4], "guidance_start": 0.2, "identity_guidance": 1.5, "colour_match": 0.5}"#))
        var expected = EditSettings()
        expected.alpha = 0.5; expected.finetuneLR = 1e-4; expected.seeds = [3, 4]; expected.guidanceStart = 0.2; expected.identityGuidance = 1.5; expected.colourMatch = 0.5
        XCTAssertEqual(s, expected)
    }

    func testMalformedFileIsRefusedNamingTheFile() throws {
        let url = try folder(#"{"alpha": "high"}"#)
        XCTAssertThrowsError(try EditSettings.forModel(folder: url)) { error in
            guard case .input(let message) = error as? EditError else { return XCTFail("\(error)") }
            XCTAssert(message.contains(EditSettings.modelFileName), message)
        }
    }

    func testMisspeltSettingIsRefused() throws {
        let url = try folder(#"{"finetune_Lr": 0.0001}"#)
        XCTAssertThrowsError(try EditSettings.forModel(folder: url)) { error in
            XCTAssert("\(error)".contains("finetune_Lr"), "\(error)")
        }
    }

    func testOverlayKeepsTheBaseForWhatItLeavesOut() throws {
        var base = EditSettings()
        base.lambda1 = 5; base.samplingSteps = 20
        let url = try folder(#"{"lambda2": 3}"#).appendingPathComponent(EditSettings.modelFileName)
        var expected = base
        expected.lambda2 = 3
        XCTAssertEqual(try EditSettings.overriding(base, with: url), expected)
    }

    func testWholeSettingsRoundTrip() throws {
        var s = EditSettings()
        s.alpha = 0.6; s.lambda1 = 3; s.finetuneMode = .lora; s.scheduler = .euler; s.ablation = .alpha0
        XCTAssertEqual(try JSONDecoder().decode(EditSettings.self, from: JSONEncoder().encode(s)), s)
    }

    /// Left unset, λ1 follows the method note: 3 for a small subject, 2 otherwise; a set
    /// value is kept whatever the subject's size, and an unset one is left out of the JSON.
    func testLambda1DefaultFollowsTheSubjectsSize() throws {
        var s = EditSettings()
        XCTAssertNil(s.lambda1)
        XCTAssertEqual(s.lambda1(subjectCoverage: 0.036), 3)
        XCTAssertEqual(s.lambda1(subjectCoverage: 0.10), 2)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(s), as: UTF8.self).contains("lambda1"))
        s.lambda1 = 2.5
        XCTAssertEqual(s.lambda1(subjectCoverage: 0.036), 2.5)
        XCTAssertNil(try JSONDecoder().decode(EditSettings.self, from: Data(#"{"lambda1": null}"#.utf8)).lambda1)
        var ablated = EditSettings()
        ablated.ablation = .noObjLoss
        XCTAssertEqual(ablated.effective.lambda1(subjectCoverage: 0.036), 0)
    }
}
