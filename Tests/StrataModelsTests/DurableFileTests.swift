import Foundation
import XCTest
@testable import StrataModels

/// Durable writes replace the target whole and leave no temporary file behind; a target
/// that cannot be written is an error naming it, and the old file stays.
final class DurableFileTests: XCTestCase {
    func testWritesReplaceWholeAndLeaveNothingBehind() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-durable-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("a.json")
        try Data("old".utf8).writeDurably(to: file)
        try Data(repeating: 7, count: 1 << 20).writeDurably(to: file)
        XCTAssertEqual(try Data(contentsOf: file), Data(repeating: 7, count: 1 << 20))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["a.json"])
        // A target in a folder that does not exist: refused, naming it.
        let missing = folder.appendingPathComponent("no/such/b.json")
        XCTAssertThrowsError(try Data("x".utf8).writeDurably(to: missing)) { XCTAssert("\($0)".contains(missing.path), "\($0)") }
        // A target that is a folder: refused, and the folder is left as it was.
        let sub = folder.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try Data("inside".utf8).writeDurably(to: sub.appendingPathComponent("c"))
        XCTAssertThrowsError(try Data("x".utf8).writeDurably(to: sub))
        XCTAssertEqual(try Data(contentsOf: sub.appendingPathComponent("c")), Data("inside".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["a.json", "sub"])
    }
}
