// The subject mask as the user paints it: a side×side bitmap with a round brush, invert
// and clear, a proposal (a suggested mask shown until accepted or rejected), and undo
// and redo of whole strokes (100 steps kept).

public struct MaskCanvas: Equatable, Sendable {
    public let side: Int
    public private(set) var pixels: [UInt8]
    /// A suggested mask awaiting accept or reject.
    public var proposal: [UInt8]?
    var undoStack: [[UInt8]] = [], redoStack: [[UInt8]] = []
    var strokeOpen = false
    public static let history = 100

    public init(side: Int, pixels: [UInt8]? = nil) {
        self.side = side
        self.pixels = pixels ?? [UInt8](repeating: 0, count: side * side)
    }

    public var coverage: Double { Double(pixels.reduce(0) { $0 + Int($1) }) / Double(max(1, pixels.count)) }
    public var canUndo: Bool { !undoStack.isEmpty }
    public var canRedo: Bool { !redoStack.isEmpty }

    mutating func record() {
        undoStack.append(pixels)
        if undoStack.count > Self.history { undoStack.removeFirst(undoStack.count - Self.history) }
        redoStack.removeAll()
    }

    /// Starts a stroke: everything painted until `endStroke` undoes as one step.
    public mutating func beginStroke() { if !strokeOpen { record(); strokeOpen = true } }
    public mutating func endStroke() { strokeOpen = false }

    /// Paints (value 1) or erases (0) a disc of `radius` pixels at (x, y).
    public mutating func dab(x: Int, y: Int, radius: Int, value: UInt8) {
        let single = !strokeOpen
        if single { record() }
        let r = max(0, radius)
        for yy in max(0, y - r)...min(side - 1, y + r) where y + r >= 0 && y - r < side {
            for xx in max(0, x - r)...min(side - 1, x + r) where x + r >= 0 && x - r < side {
                if (xx - x) * (xx - x) + (yy - y) * (yy - y) <= r * r { pixels[yy * side + xx] = value }
            }
        }
    }

    /// Paints a line of dabs from (x0, y0) to (x1, y1) (mouse drags skip pixels).
    public mutating func line(from a: (Int, Int), to b: (Int, Int), radius: Int, value: UInt8) {
        let n = max(abs(b.0 - a.0), abs(b.1 - a.1), 1)
        for i in 0...n {
            dab(x: a.0 + (b.0 - a.0) * i / n, y: a.1 + (b.1 - a.1) * i / n, radius: radius, value: value)
        }
    }

    public mutating func invert() { record(); pixels = pixels.map { 1 - $0 } }
    public mutating func clear() { record(); pixels = [UInt8](repeating: 0, count: side * side) }

    /// Replaces the mask (an accepted proposal, a loaded file) as one undoable step.
    public mutating func set(_ new: [UInt8]) { record(); pixels = new }

    public mutating func acceptProposal() { if let p = proposal { set(p); proposal = nil } }
    public mutating func rejectProposal() { proposal = nil }

    public mutating func undo() {
        guard let last = undoStack.popLast() else { return }
        redoStack.append(pixels)
        pixels = last
    }

    public mutating func redo() {
        guard let next = redoStack.popLast() else { return }
        undoStack.append(pixels)
        pixels = next
    }
}
