import Foundation
import XCTest
@testable import StrataEdit
@testable import StrataTensor

final class EditSessionTests: XCTestCase {
    /// A session folder keeps its inputs and settings, can be moved, and reopens as it
    /// was saved; a folder that is not a session, or a malformed or newer one, is refused.
    func testSessionFolderReopensAfterAMove() throws {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("strata-session-\(getpid())")
        defer { try? fm.removeItem(at: base) }
        var inputs = LayerDiffusionEditTests.inputs()
        inputs.placement = Placement(dx: 3, dy: -2, scale: 1.25)
        inputs.placementMask = MaskOps.placed(inputs.subjectMask, dx: 3, dy: -2, scale: 1.25)
        var settings = LayerDiffusionEditTests.quickSettings()
        settings.alpha = 0.55; settings.finetuneMode = .lora
        var session = EditSession(subjectText: inputs.subjectText, backgroundText: inputs.backgroundText, settings: settings)
        session.caption = "a dog jumping in a forest"; session.preset = .quick; session.method = .sdedit
        session.placement = inputs.placement; session.results = ["results/result-5.png"]
        let first = base.appendingPathComponent("walk.strata")
        try session.save(to: first, inputs: inputs)
        let moved = base.appendingPathComponent("elsewhere/walk.strata")
        try fm.createDirectory(at: moved.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fm.moveItem(at: first, to: moved)

        let (reopened, again) = try EditSession.open(moved, side: 32)
        var expected = session
        expected.placementMask = "placement-mask.png"
        XCTAssertEqual(reopened, expected)
        XCTAssertEqual(again.subjectMask.scalars, inputs.subjectMask.scalars)
        XCTAssertEqual(again.placementMask?.scalars, inputs.placementMask?.scalars)
        XCTAssertEqual(again.placement, inputs.placement)
        XCTAssertNil(again.reference)
        // 8-bit PNG round trip of the source.
        XCTAssertLessThanOrEqual(zip(again.source.scalars, inputs.source.scalars).map { abs($0 - $1) }.max()!, 0.5 / 255 + 1e-6)

        XCTAssertThrowsError(try EditSession.open(base, side: 32)) { XCTAssert("\($0)".contains("not a Strata session")) }
        let record = moved.appendingPathComponent(EditSession.fileName)
        try Data("{\"version\": 1".utf8).write(to: record)
        XCTAssertThrowsError(try EditSession.open(moved, side: 32)) { XCTAssert("\($0)".contains("malformed")) }
        var newer = session
        newer.version = EditSession.currentVersion + 1
        try newer.saveRecord(to: moved)
        XCTAssertThrowsError(try EditSession.open(moved, side: 32)) { XCTAssert("\($0)".contains("newer Strata")) }
    }

    /// A session that names files outside its folder (climbing out, absolute) or settings
    /// out of range is refused, naming the field, and nothing outside is read.
    func testHostileSessionsAreRefused() throws {
        let fm = FileManager.default
        let base = fm.temporaryDirectory.appendingPathComponent("strata-hostile-session-\(getpid())")
        defer { try? fm.removeItem(at: base) }
        let inputs = LayerDiffusionEditTests.inputs()
        let folder = base.appendingPathComponent("s.strata")
        try EditSession(subjectText: "a dog", backgroundText: "in a forest", settings: EditSettings()).save(to: folder, inputs: inputs)
        let record = folder.appendingPathComponent(EditSession.fileName)
        let good = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: record)) as? [String: Any])
        func refuse(_ change: [String: Any], _ words: [String]) throws {
            var object = good
            for (k, v) in change { object[k] = v }
            try JSONSerialization.data(withJSONObject: object).write(to: record)
            XCTAssertThrowsError(try EditSession.open(folder, side: 32), "\(change)") { error in
                for w in words { XCTAssert("\(error)".contains(w), "\(change): \(error)") }
            }
        }
        try refuse(["source": "../../elsewhere.png"], ["source", "not a file inside the session folder"])
        try refuse(["mask": "/etc/passwd"], ["mask", "not a file inside"])
        try refuse(["reference": "results/../../x.png"], ["reference"])
        try refuse(["results": ["results/ok.png", "../x.png"]], ["results"])
        var settings = try XCTUnwrap(good["settings"] as? [String: Any])
        for (key, value) in [("sampling_steps", -5 as Any), ("lora_rank", -1), ("seeds", [Int]())] {
            settings = try XCTUnwrap(good["settings"] as? [String: Any])
            settings[key] = value
            try refuse(["settings": settings], [key])
        }
        XCTAssertTrue(EditSession.isInside("results/result-1.png"))
        XCTAssertFalse(EditSession.isInside(""))
    }
}
