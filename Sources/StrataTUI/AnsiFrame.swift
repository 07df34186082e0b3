// A cell grid as the bytes a terminal would receive: cursor moves, SGR colours (24-bit
// or 256) and characters, with colours sent only when they change. The benchmark draws
// into this in-memory terminal; it also lets a frame be written to a file for a look.

public enum AnsiFrame {
    public static func encode(_ grid: CellGrid, mode: ImageCells.ColourMode = .truecolour) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(grid.cells.count * 24)
        func ascii(_ s: String) { out.append(contentsOf: s.utf8) }
        func colour(_ c: RGB, background: Bool) {
            switch mode {
            case .truecolour: ascii("\u{1b}[\(background ? 48 : 38);2;\(c.r);\(c.g);\(c.b)m")
            case .indexed256: ascii("\u{1b}[\(background ? 48 : 38);5;\(Palette256.nearest(c))m")
            }
        }
        var fg: RGB?, bg: RGB?, bold = false
        for y in 0..<grid.height {
            ascii("\u{1b}[\(y + 1);1H")
            for x in 0..<grid.width {
                let cell = grid.cells[y * grid.width + x]
                if cell.bold != bold { ascii(cell.bold ? "\u{1b}[1m" : "\u{1b}[22m"); bold = cell.bold }
                if cell.fg != fg { colour(cell.fg, background: false); fg = cell.fg }
                if cell.bg != bg { colour(cell.bg, background: true); bg = cell.bg }
                out.append(contentsOf: String(cell.char).utf8)
            }
        }
        ascii("\u{1b}[0m")
        return out
    }
}
