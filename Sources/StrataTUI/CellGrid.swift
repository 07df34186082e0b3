// What a frame is: a grid of cells, each a character with foreground and background
// colours. The view builds one from the state; the terminal backend copies it to the
// screen; tests compare it to snapshots.

public struct RGB: Hashable, Codable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public init(packed: Int32) { r = UInt8((packed >> 16) & 255); g = UInt8((packed >> 8) & 255); b = UInt8(packed & 255) }

    /// "#rrggbb".
    public init?(hex: String) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let v = UInt32(digits, radix: 16) else { return nil }
        self.init(UInt8(v >> 16), UInt8((v >> 8) & 255), UInt8(v & 255))
    }

    /// Linear mix: t = 0 gives self, 1 gives other.
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        func m(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8(max(0, min(255, (Double(a) * (1 - t) + Double(b) * t).rounded()))) }
        return RGB(m(r, other.r), m(g, other.g), m(b, other.b))
    }
}

public struct Cell: Hashable, Sendable {
    public var char: Character
    public var fg: RGB, bg: RGB
    public var bold = false
    public init(_ char: Character, fg: RGB, bg: RGB, bold: Bool = false) { self.char = char; self.fg = fg; self.bg = bg; self.bold = bold }
}

public struct Rect: Equatable, Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) { self.x = x; self.y = y; self.width = width; self.height = height }
    public func contains(_ px: Int, _ py: Int) -> Bool { px >= x && px < x + width && py >= y && py < y + height }
    public func inset(_ d: Int) -> Rect { Rect(x: x + d, y: y + d, width: max(0, width - 2 * d), height: max(0, height - 2 * d)) }
}

public struct CellGrid: Equatable, Sendable {
    public let width: Int, height: Int
    public var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell) {
        self.width = width; self.height = height
        cells = Array(repeating: fill, count: max(0, width * height))
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0, x < width, y >= 0, y < height { cells[y * width + x] = newValue } }
    }

    public mutating func fill(_ r: Rect, with cell: Cell) {
        for y in max(0, r.y)..<min(height, r.y + r.height) where r.width > 0 {
            for x in max(0, r.x)..<min(width, r.x + r.width) { cells[y * width + x] = cell }
        }
    }

    /// Writes `text` from (x, y), clipped to `maxWidth` columns; returns the columns used.
    @discardableResult
    public mutating func text(_ text: String, x: Int, y: Int, fg: RGB, bg: RGB, bold: Bool = false, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let limit = min(width - x, maxWidth ?? Int.max)
        var n = 0
        for ch in text where n < limit {
            if x + n >= 0 { self[x + n, y] = Cell(ch, fg: fg, bg: bg, bold: bold) }
            n += 1
        }
        return n
    }

    /// Copies `other` with its top-left corner at (x, y), clipped.
    public mutating func blit(_ other: CellGrid, x: Int, y: Int) {
        for oy in 0..<other.height where y + oy >= 0 && y + oy < height {
            for ox in 0..<other.width where x + ox >= 0 && x + ox < width {
                cells[(y + oy) * width + x + ox] = other.cells[oy * other.width + ox]
            }
        }
    }

    /// The characters only, one line per row (for snapshots and tests).
    public var text: String {
        (0..<height).map { y in String(cells[(y * width)..<((y + 1) * width)].map(\.char)) }.joined(separator: "\n")
    }
}
