import XCTest
@testable import StrataTUI

final class TextAndMaskTests: XCTestCase {
    func testLineEditingByCharactersAndWords() {
        var e = LineEditor("a dog jumping")
        e.wordLeft(); XCTAssertEqual(e.cursor, 6)
        e.wordLeft(); XCTAssertEqual(e.cursor, 2)
        e.insert("big "); XCTAssertEqual(e.text, "a big dog jumping"); XCTAssertEqual(e.cursor, 6)
        e.wordRight(); XCTAssertEqual(e.cursor, 9)
        e.deleteWordBefore(); XCTAssertEqual(e.text, "a big  jumping"); XCTAssertEqual(e.cursor, 6)
        e.backspace(); e.deleteForward(); XCTAssertEqual(e.text, "a bigjumping")
        e.home(); e.deleteForward(); XCTAssertEqual(e.text, " bigjumping")
        e.end(); e.insert("\tx\n"); XCTAssertEqual(e.text, " bigjumpingx")
        e.left(); e.left(); e.deleteToEnd(); XCTAssertEqual(e.text, " bigjumpin")
        e.left(); e.deleteToStart(); XCTAssertEqual(e.text, "n"); XCTAssertEqual(e.cursor, 0)
        // A narrow field scrolls to keep the cursor in view.
        let long = LineEditor("abcdefghij")
        XCTAssertEqual(long.visible(width: 4).text, "hij"); XCTAssertEqual(long.visible(width: 4).cursorColumn, 3)
    }

    func testStrokesUndoAsOneAndHistoryKeepsFiftySteps() {
        var m = MaskCanvas(side: 16)
        m.beginStroke()
        m.line(from: (2, 2), to: (12, 2), radius: 1, value: 1)
        m.endStroke()
        let stroke = m.pixels
        XCTAssertGreaterThan(m.coverage, 0)
        m.undo(); XCTAssertEqual(m.coverage, 0)
        m.redo(); XCTAssertEqual(m.pixels, stroke)
        var states = [m.pixels]
        for i in 0..<60 { m.dab(x: i % 16, y: (i / 16) * 3, radius: 0, value: 1); states.append(m.pixels) }
        for i in stride(from: 59, through: 10, by: -1) { m.undo(); XCTAssertEqual(m.pixels, states[i], "undo to step \(i)") }
        for i in 11...60 { m.redo(); XCTAssertEqual(m.pixels, states[i], "redo to step \(i)") }
        m.invert(); XCTAssertEqual(m.pixels, states[60].map { 1 - $0 })
        m.proposal = [UInt8](repeating: 1, count: 256)
        m.acceptProposal(); XCTAssertEqual(m.coverage, 1); XCTAssertNil(m.proposal)
        m.undo(); XCTAssertEqual(m.pixels, states[60].map { 1 - $0 })
        m.clear(); XCTAssertEqual(m.coverage, 0)
        XCTAssertFalse(m.canRedo)
    }

    func testFloodFillFindsTheDisc() {
        let pic = TUIFixtures.scene()
        let region = FloodFill.region(rgb: pic.rgb, side: 64, from: (28, 40), tolerance: 0.1)
        XCTAssertEqual(region, TUIFixtures.discMask())
        XCTAssertEqual(FloodFill.region(rgb: pic.rgb, side: 64, from: (70, 0), tolerance: 0.1), [UInt8](repeating: 0, count: 4096))
    }

    func testThemesParseAndBadLinesAreNamed() throws {
        let themes = TUIFixtures.themes()
        XCTAssertEqual(Set(themes.map(\.name)), ["dark", "light", "high-contrast"])
        XCTAssertEqual(themes.first?.name, "dark")
        XCTAssertEqual(Set(themes.map(\.background)).count, 3)
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(getpid()).theme")
        try "text = #ffffff\nfocus = blue\n".write(to: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bad) }
        XCTAssertThrowsError(try Theme.load(bad)) { XCTAssert("\($0)".contains(":2:"), "\($0)") }
    }

    func testPaletteAndSparkline() {
        XCTAssertEqual(Palette256.nearest(RGB(255, 0, 0)), 196)
        XCTAssertEqual(Palette256.nearest(RGB(95, 135, 175)), 16 + 36 + 12 + 3)
        XCTAssertEqual(Palette256.nearest(RGB(128, 128, 128)), 244)
        XCTAssertEqual(Sparkline.render([1, 2, 3, 4, 5, 6, 7, 8], width: 8), "▁▂▃▄▅▆▇█")
        XCTAssertEqual(Sparkline.render([4, 2], width: 8), "█▁")
        XCTAssertEqual(Sparkline.render(Array(repeating: 1, count: 100) + Array(repeating: 3, count: 100), width: 2), "▁█")
        XCTAssertEqual(Sparkline.smoothed([0, 10]), [0, 1])
    }

    /// Keys that arrive in one read: Escape + a letter is Alt+letter (the letter is
    /// dropped), but a Tab typed right after Escape is a Tab of its own.
    func testEscapeFollowedByKeysInOneRead() {
        func keys(_ text: String) -> [Key] {
            TerminalBackend.characters(text).compactMap { if case .key(let k) = $0 { return k } else { return nil } }
        }
        XCTAssertEqual(keys("\u{1b}\t\tx"), [.escape, .tab, .tab, .char("x")])
        XCTAssertEqual(keys("\u{1b}x"), [.escape])
        XCTAssertEqual(keys("\u{1b}\r"), [.escape, .enter])
        XCTAssertEqual(keys("ab\t"), [.paste("ab"), .tab])
    }

    func testResultNamesRoundTrip() {
        let slot = ResultSlot(seed: 12, picture: TUIFixtures.scene(), sweepValue: "0.55")
        let name = EditorRuntime.resultName(slot, parameter: .alpha)
        XCTAssertEqual(name, "result-12-alpha=0.55.png")
        XCTAssertEqual(EditorRuntime.parseResultName(name)?.seed, 12)
        XCTAssertEqual(EditorRuntime.parseResultName(name)?.value, "0.55")
        // The names strata edit writes: results read back, the other files not.
        XCTAssertEqual(EditorRuntime.parseResultName("result-3.png")?.seed, 3)
        XCTAssertNil(EditorRuntime.parseResultName("result-3.png")?.value)
        for other in ["reference.png", "result-3.mask.png", "result-3.subject.png", "result-3.ora"] {
            XCTAssertNil(EditorRuntime.parseResultName(other), other)
        }
    }
}
