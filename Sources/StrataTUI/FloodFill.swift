// A mask proposal from a point: the 4-connected region whose colours stay within a
// tolerance (Euclidean distance in RGB, 0...1 scale) of the starting pixel's colour.

public enum FloodFill {
    public static func region(rgb: [UInt8], side: Int, from start: (x: Int, y: Int), tolerance: Double) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: side * side)
        guard start.x >= 0, start.x < side, start.y >= 0, start.y < side else { return out }
        let s = (start.y * side + start.x) * 3
        let seed = (Double(rgb[s]), Double(rgb[s + 1]), Double(rgb[s + 2]))
        let limit = tolerance * tolerance * 255 * 255 * 3
        func near(_ p: Int) -> Bool {
            let dr = Double(rgb[p * 3]) - seed.0, dg = Double(rgb[p * 3 + 1]) - seed.1, db = Double(rgb[p * 3 + 2]) - seed.2
            return dr * dr + dg * dg + db * db <= limit
        }
        var stack = [start.y * side + start.x]
        out[stack[0]] = 1
        while let p = stack.popLast() {
            let x = p % side, y = p / side
            for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] where nx >= 0 && nx < side && ny >= 0 && ny < side {
                let q = ny * side + nx
                if out[q] == 0, near(q) { out[q] = 1; stack.append(q) }
            }
        }
        return out
    }
}
