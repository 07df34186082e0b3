import XCTest
@testable import StrataSprites

/// The edits `eval edit` draws follow sprite-world.md, and a result is judged against the
/// target for the prompt and against the source for the tint.
final class EditCaseTests: XCTestCase {
    func testEditsChangePlaceOrPoseAndKeepTheAnimal() {
        for i in 0..<60 {
            let c = EditCase(seed: 4, index: i)
            XCTAssertEqual(c.target.animal, c.source.animal)
            switch c.kind {
            case .background: XCTAssertEqual(c.target.pose, c.source.pose); XCTAssertNotEqual(c.target.background, c.source.background)
            case .pose: XCTAssertNotEqual(c.target.pose, c.source.pose); XCTAssertEqual(c.target.background, c.source.background)
            case .both: XCTAssertNotEqual(c.target.pose, c.source.pose); XCTAssertNotEqual(c.target.background, c.source.background)
            }
        }
        XCTAssertEqual((0..<60).filter { EditCase(seed: 4, index: $0).kind == .both }.count, 20)
    }

    func testMissesNameWhatTheScoreCounts() {
        let c = EditCase(seed: 4, index: 2)
        let right = JudgeReading(animal: c.target.animal, tint: c.source.tint, size: c.target.size, pose: c.target.pose,
                                 background: c.target.background, confidences: [])
        XCTAssertEqual(c.misses(right), [])
        XCTAssert(c.score(right) == (true, true))
        var wrong = right
        wrong.tint = Tint.allCases.first { $0 != c.source.tint }!
        wrong.background = Background.allCases.first { $0 != c.target.background }!
        XCTAssertEqual(c.misses(wrong), ["background", "tint"])
        XCTAssert(c.score(wrong) == (false, false))
    }
}
