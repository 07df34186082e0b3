// Images as cells. chafa (symbols mode) picks, per cell, the block symbol and the two
// colours that best match the pixels under it; `halfBlocks` is the plain reference
// beside it (upper half block, the average colour of each half) that tests compare
// chafa's output against. Convert once per image and pane size, then keep the cells.
import CTerminal

public enum ImageCells {
    public enum ColourMode: Sendable { case truecolour, indexed256 }

    /// `rgb` holds width×height×3 bytes.
    public static func chafa(rgb: [UInt8], width: Int, height: Int, columns: Int, rows: Int, mode: ColourMode = .truecolour) -> CellGrid {
        var grid = CellGrid(width: columns, height: rows, fill: Cell(" ", fg: RGB(0, 0, 0), bg: RGB(0, 0, 0)))
        guard columns > 0, rows > 0, width > 0, height > 0 else { return grid }
        var rgba = [UInt8](repeating: 255, count: width * height * 4)
        for p in 0..<(width * height) { for c in 0..<3 { rgba[p * 4 + c] = rgb[p * 3 + c] } }
        var chars = [UInt32](repeating: 32, count: columns * rows)
        var fg = [Int32](repeating: 0, count: columns * rows), bg = [Int32](repeating: 0, count: columns * rows)
        strata_chafa_cells(rgba, Int32(width), Int32(height), Int32(columns), Int32(rows), mode == .truecolour ? 1 : 0, &chars, &fg, &bg)
        for i in 0..<(columns * rows) {
            let ch = Unicode.Scalar(chars[i]).map(Character.init) ?? " "
            grid.cells[i] = Cell(ch, fg: RGB(packed: max(fg[i], 0)), bg: RGB(packed: max(bg[i], 0)))
        }
        return grid
    }

    /// Each cell an upper half block: foreground the mean of its top half, background of
    /// its bottom half (nearest-area sampling).
    public static func halfBlocks(rgb: [UInt8], width: Int, height: Int, columns: Int, rows: Int) -> CellGrid {
        var grid = CellGrid(width: columns, height: rows, fill: Cell("▀", fg: RGB(0, 0, 0), bg: RGB(0, 0, 0)))
        func mean(_ x0: Int, _ x1: Int, _ y0: Int, _ y1: Int) -> RGB {
            var s = [0, 0, 0], n = 0
            for y in y0..<max(y1, y0 + 1) { for x in x0..<max(x1, x0 + 1) {
                let p = (min(y, height - 1) * width + min(x, width - 1)) * 3
                for c in 0..<3 { s[c] += Int(rgb[p + c]) }
                n += 1
            } }
            return RGB(UInt8(s[0] / n), UInt8(s[1] / n), UInt8(s[2] / n))
        }
        for r in 0..<rows { for c in 0..<columns {
            let x0 = c * width / columns, x1 = (c + 1) * width / columns
            let y0 = (2 * r) * height / (2 * rows), ym = (2 * r + 1) * height / (2 * rows), y1 = (2 * r + 2) * height / (2 * rows)
            grid[c, r] = Cell("▀", fg: mean(x0, x1, y0, ym), bg: mean(x0, x1, ym, y1))
        } }
        return grid
    }

    /// The mean colour a cell shows, weighting its two colours by how much of the cell
    /// each covers (for the block symbols chafa picks here).
    public static func shownColour(_ cell: Cell) -> (Double, Double, Double) {
        let share: Double
        switch cell.char {
        case " ": share = 0
        case "█": share = 1
        case "▀", "▄", "▌", "▐": share = 0.5
        case "▘", "▝", "▖", "▗": share = 0.25
        case "▛", "▜", "▙", "▟": share = 0.75
        case "▚", "▞": share = 0.5
        default:
            // Eighth blocks: ▁▂▃▄▅▆▇ (lower) and ▏▎▍▌▋▊▉ (left).
            let lower: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇"], left: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉"]
            if let i = lower.firstIndex(of: cell.char) { share = Double(i + 1) / 8 }
            else if let i = left.firstIndex(of: cell.char) { share = Double(i + 1) / 8 }
            else { share = 0.5 }
        }
        func m(_ f: UInt8, _ b: UInt8) -> Double { Double(f) * share + Double(b) * (1 - share) }
        return (m(cell.fg.r, cell.bg.r), m(cell.fg.g, cell.bg.g), m(cell.fg.b, cell.bg.b))
    }
}
