import Foundation
import XCTest

/// `strata eval edit --journal`: a stopped evaluation goes on from its journal and gives
/// the figures an uninterrupted one gives; a journal of other options is refused.
final class EvalJournalTests: XCTestCase {
    let base = ["eval", "edit", "--method", "txt2img", "--seeds", "1,2", "--preset", "quick", "--seed", "3", "--json", "--quiet"]

    func shares(_ stdout: String) throws -> [String: Any] {
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        return try XCTUnwrap((doc["runs"] as? [[String: Any]])?.first)
    }

    func testResumedEvaluationMatchesOneRunAndReadsItsJournal() throws {
        let dir = try CommandRunner.temporaryFolder("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = dir.appendingPathComponent("edit.journal.json").path
        let whole = try CommandRunner.run(base + ["--count", "3"])
        XCTAssertEqual(whole.status, 0, whole.stderr)

        // Stopped after one edit, then run again to three.
        XCTAssertEqual(try CommandRunner.run(base + ["--count", "1", "--journal", journal]).status, 0)
        let resumed = try CommandRunner.run(base + ["--count", "3", "--journal", journal])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let a = try shares(whole.stdout), b = try shares(resumed.stdout)
        for key in ["prompt", "identity", "success", "success_best_of_seeds"] {
            XCTAssertEqual(a[key] as? Double, b[key] as? Double, key)
        }
        let stored = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: journal))) as? [String: Any])
        var entries = try XCTUnwrap(stored["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 3)

        // The journal's readings are what a resumed run counts: mark every result of the
        // first edit as a success and the identity share moves by exactly 2 of 6 results.
        let first = try XCTUnwrap(entries.firstIndex { $0["edit"] as? Int == 0 })
        let keptBefore = (entries[first]["identity"] as? [Bool] ?? []).filter { $0 }.count
        entries[first]["identity"] = [true, true]
        var edited = stored
        edited["entries"] = entries
        try JSONSerialization.data(withJSONObject: edited).write(to: URL(fileURLWithPath: journal))
        let reread = try CommandRunner.run(base + ["--count", "3", "--journal", journal])
        XCTAssertEqual(reread.status, 0, reread.stderr)
        let identity = try XCTUnwrap(try shares(reread.stdout)["identity"] as? Double)
        XCTAssertEqual(identity, (a["identity"] as? Double ?? -1) + Double(2 - keptBefore) / 6, accuracy: 1e-9)

        let other = try CommandRunner.run(base + ["--count", "3", "--journal", journal, "--seeds", "1"])
        XCTAssertEqual(other.status, 2)
        XCTAssert(other.stderr.contains("was written with other options"), other.stderr)
    }
}
