// Pictures already converted to cells, by picture and size: chafa runs once per image
// and pane size, and a frame only copies cells. Least recently used entries go first.

public final class CellCache {
    struct Key: Hashable { let id: Int, columns: Int, rows: Int }
    var entries: [Key: (grid: CellGrid, used: Int)] = [:]
    var clock = 0
    public let mode: ImageCells.ColourMode
    public let capacity: Int
    /// Conversions done so far (for the benchmark and tests).
    public private(set) var conversions = 0

    public init(mode: ImageCells.ColourMode = .truecolour, capacity: Int = 96) { self.mode = mode; self.capacity = capacity }

    public func cells(_ picture: Picture, columns: Int, rows: Int) -> CellGrid {
        clock += 1
        let key = Key(id: picture.id, columns: columns, rows: rows)
        if let hit = entries[key] { entries[key] = (hit.grid, clock); return hit.grid }
        let grid = ImageCells.chafa(rgb: picture.rgb, width: picture.side, height: picture.side, columns: columns, rows: rows, mode: mode)
        conversions += 1
        if entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key { entries[oldest] = nil }
        entries[key] = (grid, clock)
        return grid
    }
}
