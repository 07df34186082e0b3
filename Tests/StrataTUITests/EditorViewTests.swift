import XCTest
@testable import StrataEdit
@testable import StrataTUI

/// The view against committed snapshots (characters), and the image cells against a
/// plain half-block reference (colours).
final class EditorViewTests: XCTestCase {
    let view = EditorView(cache: CellCache())

    func testFramesMatchSnapshots() {
        var s = TUIFixtures.state(width: 120, height: 36)
        if let d = TUIFixtures.checkSnapshot(view.render(s), "open-120x36") { XCTFail(d) }
        // Running, with results, parameters focused and a value being typed.
        s.results = [1, 2, 3, 4].map { ResultSlot(seed: $0, picture: TUIFixtures.scene(tint: (UInt8(50 * $0), 80, 200))) }
        s.selected = 1
        _ = s.update(.key(.char("r")))
        _ = s.update(.progress(StageProgress(stage: .finetune, step: 40, total: 250, objectLoss: 0.2, backgroundLoss: 0.1), at: 4))
        _ = s.update(.progress(StageProgress(stage: .finetune, step: 41, total: 250, objectLoss: 0.1, backgroundLoss: 0.3), at: 4.1))
        // The job's expected duration, stated as it starts, is shown whole beside the losses.
        _ = s.update(.info("running (full), about 20 s"))
        for step in 42...70 {
            _ = s.update(.progress(StageProgress(stage: .finetune, step: step, total: 250, objectLoss: Float(step % 7) / 30,
                                                 backgroundLoss: Float(step % 5) / 20), at: 4.1 + Double(step - 41) / 30))
        }
        s.focus = .parameters
        s.parameter = 0
        s.typing = LineEditor("0.6")
        if let d = TUIFixtures.checkSnapshot(view.render(s), "running-120x36") { XCTFail(d) }
        s.typing = nil
        _ = s.update(.key(.char("?")))
        if let d = TUIFixtures.checkSnapshot(view.render(s), "help-120x36") { XCTFail(d) }
        var small = TUIFixtures.state(width: 60, height: 20)
        if let d = TUIFixtures.checkSnapshot(view.render(small), "too-small-60x20") { XCTFail(d) }
        _ = small.update(.resize(width: 80, height: 24))
        if let d = TUIFixtures.checkSnapshot(view.render(small), "open-80x24") { XCTFail(d) }
    }

    func testPanesFitEveryWindowFromTheSmallestUp() {
        for (w, h) in [(80, 24), (100, 30), (200, 60), (300, 90)] {
            let l = EditorLayout(width: w, height: h)
            for p in Pane.allCases {
                let r = l.rect(p)
                XCTAssert(r.x >= 0 && r.y >= 0 && r.x + r.width <= w && r.y + r.height <= h, "\(p) at \(w)×\(h)")
                XCTAssertGreaterThan(r.width, 0); XCTAssertGreaterThan(r.height, 0)
            }
            XCTAssertFalse(l.source.contains(l.results.x, l.results.y))
            XCTAssertLessThanOrEqual(l.parameters.height, l.main.height)
            let rows = l.parameters.height - 2, count = EditorParameter.allCases.count
            for chosen in 0..<count {
                let first = EditorLayout.firstParameterRow(chosen: chosen, count: count, rows: rows)
                XCTAssert(first >= 0 && first <= chosen && chosen < first + rows, "parameter \(chosen) in view at \(w)×\(h)")
                XCTAssert(rows >= count ? first == 0 : first + rows <= count, "no empty rows below the list at \(w)×\(h)")
            }
        }
    }

    /// At 80×24 the parameter list is longer than its pane: it scrolls to the chosen row,
    /// says which rows it shows, and a click picks the row under the pointer.
    func testParameterListScrollsToTheChosenRow() {
        var s = TUIFixtures.state(width: 80, height: 24)
        let all = EditorParameter.allCases, r = EditorLayout(width: 80, height: 24).parameters
        let rows = r.height - 2
        XCTAssertLessThan(rows, all.count, "the list is longer than the pane at 80×24")
        func paneText(_ s: EditorState) -> String {
            view.render(s).text.split(separator: "\n").map { String(Array($0)[r.x..<(r.x + r.width)]) }.joined(separator: "\n")
        }
        XCTAssert(paneText(s).contains("Parameters 1–\(rows)/\(all.count)"))
        XCTAssertFalse(paneText(s).contains(all.last!.label))
        s.focus = .parameters
        _ = s.update(.key(.up))  // wraps round to the last parameter
        XCTAssertEqual(s.parameter, all.count - 1)
        let text = paneText(s)
        XCTAssert(text.contains("Parameters \(all.count - rows + 1)–\(all.count)/\(all.count)"), text)
        XCTAssert(text.contains(all.last!.label)); XCTAssertFalse(text.contains(all[0].label))
        // The pane's first row now holds parameter all.count - rows.
        _ = s.update(.mouse(.press, x: r.x + 3, y: r.y + 1))
        XCTAssertEqual(s.parameter, all.count - rows)
    }

    /// chafa's cells show, cell by cell, about the colour of the pixels under them (as
    /// the half-block reference does), and the cache converts each size once.
    func testChafaCellsShowThePictureColours() {
        let pic = TUIFixtures.scene()
        for (columns, rows, mode) in [(32, 16, ImageCells.ColourMode.truecolour), (20, 10, .truecolour), (64, 32, .truecolour), (32, 16, .indexed256)] {
            let cells = ImageCells.chafa(rgb: pic.rgb, width: 64, height: 64, columns: columns, rows: rows, mode: mode)
            let reference = ImageCells.halfBlocks(rgb: pic.rgb, width: 64, height: 64, columns: columns, rows: rows)
            var total = 0.0
            for i in 0..<cells.cells.count {
                let a = ImageCells.shownColour(cells.cells[i]), b = ImageCells.shownColour(reference.cells[i])
                total += (abs(a.0 - b.0) + abs(a.1 - b.1) + abs(a.2 - b.2)) / 3
            }
            XCTAssertLessThan(total / Double(cells.cells.count), mode == .truecolour ? 12 : 24, "\(columns)×\(rows) \(mode): mean difference per channel")
        }
        let cache = CellCache()
        _ = cache.cells(pic, columns: 20, rows: 10)
        _ = cache.cells(pic, columns: 20, rows: 10)
        _ = cache.cells(pic, columns: 22, rows: 11)
        XCTAssertEqual(cache.conversions, 2)
    }
}
