import XCTest
@testable import StrataSprites

/// Paired differences of `eval edit` against hand computations.
final class PairedDifferenceTests: XCTestCase {
    func testSeedsThatAgreeWidenTheErrorOverEdits() {
        // Three edits of two seeds; each edit's seeds agree.
        let d = PairedDifference([[1, 1], [1, 1], [0, 0]])
        XCTAssertEqual(d.mean, 2.0 / 3, accuracy: 1e-12)
        // Six results: sample variance 4/15, over 6 → √(2/45).
        XCTAssertEqual(d.standardError, (2.0 / 45).squareRoot(), accuracy: 1e-12)
        // Three edit means 1, 1, 0: sample variance 1/3, over 3 → 1/3.
        XCTAssertEqual(d.standardErrorOverEdits, 1.0 / 3, accuracy: 1e-12)
    }

    func testSeedsThatDisagreeNarrowIt() {
        // Each edit's seeds cancel: every edit mean is 0, the results vary.
        let d = PairedDifference([[1, -1], [-1, 1]])
        XCTAssertEqual(d.mean, 0, accuracy: 1e-12)
        XCTAssertEqual(d.standardError, (4.0 / 3 / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(d.standardErrorOverEdits, 0, accuracy: 1e-12)
    }
}
