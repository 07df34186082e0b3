// A loss history as a row of eighth blocks, scaled between its minimum and maximum.

public enum Sparkline {
    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// The last `width` values (averaged into `width` buckets when there are more).
    public static func render(_ values: [Float], width: Int) -> String {
        guard width > 0, !values.isEmpty else { return "" }
        var buckets: [Float] = []
        if values.count <= width { buckets = values } else {
            for i in 0..<width {
                let a = i * values.count / width, b = max(a + 1, (i + 1) * values.count / width)
                buckets.append(values[a..<b].reduce(0, +) / Float(b - a))
            }
        }
        let finite = buckets.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return String(repeating: " ", count: buckets.count) }
        return String(buckets.map { v -> Character in
            guard v.isFinite else { return "!" }
            let t = hi > lo ? (v - lo) / (hi - lo) : 0.5
            return levels[min(7, max(0, Int((t * 7).rounded())))]
        })
    }

    /// An exponential running mean (weight 0.1 on each new value).
    public static func smoothed(_ values: [Float]) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(values.count)
        for v in values { out.append(out.last.map { 0.9 * $0 + 0.1 * v } ?? v) }
        return out
    }
}
