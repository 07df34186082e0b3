import Foundation
@testable import StrataEdit
@testable import StrataTUI

enum TUIFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")

    /// A 64×64 picture: sky over grass with a blue disc (the subject) at (28, 40).
    static func scene(tint: (UInt8, UInt8, UInt8) = (40, 80, 220)) -> Picture {
        var rgb = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for y in 0..<64 { for x in 0..<64 {
            let inside = (x - 28) * (x - 28) + (y - 40) * (y - 40) < 100
            let c: (UInt8, UInt8, UInt8) = inside ? tint : (y < 44 ? (150, 200, 250) : (70, 160, 60))
            rgb[(y * 64 + x) * 3] = c.0; rgb[(y * 64 + x) * 3 + 1] = c.1; rgb[(y * 64 + x) * 3 + 2] = c.2
        } }
        return Picture(side: 64, rgb: rgb)
    }

    static func discMask() -> [UInt8] {
        (0..<(64 * 64)).map { p in let x = p % 64, y = p / 64; return (x - 28) * (x - 28) + (y - 40) * (y - 40) < 100 ? 1 : 0 }
    }

    static func themes() -> [Theme] { Theme.all(in: root.appendingPathComponent("Assets/Themes")) }

    static func state(width: Int = 120, height: Int = 36) -> EditorState {
        var s = EditorState(width: width, height: height, themes: themes(), title: "test.strata · tiny", source: scene(),
                            mask: MaskCanvas(side: 64, pixels: discMask()), settings: EditorSettings(edit: EditSettings()),
                            subject: "a dog jumping", background: "in a forest") { caption in
            guard let r = caption.range(of: " in ") ?? caption.range(of: " on ") else { return nil }
            return (String(caption[..<r.lowerBound]), String(caption[caption.index(after: r.lowerBound)...]))
        }
        s.lastChange = nil
        return s
    }

    /// Compares a grid's characters to Snapshots/NAME.txt; records it when
    /// STRATA_RECORD_SNAPSHOTS is set (and then fails, so a recording is never a pass).
    static func checkSnapshot(_ grid: CellGrid, _ name: String) -> String? {
        let file = snapshots.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["STRATA_RECORD_SNAPSHOTS"] != nil {
            try? FileManager.default.createDirectory(at: snapshots, withIntermediateDirectories: true)
            try? (grid.text + "\n").write(to: file, atomically: true, encoding: .utf8)
            return "recorded \(file.path)"
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else { return "no snapshot \(file.path)" }
        if expected == grid.text + "\n" { return nil }
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false), b = (grid.text + "\n").split(separator: "\n", omittingEmptySubsequences: false)
        for (i, (x, y)) in zip(a, b).enumerated() where x != y { return "\(name): line \(i + 1) differs:\nexpected \(x)\nactual   \(y)" }
        return "\(name): \(a.count) lines expected, \(b.count) drawn"
    }
}
