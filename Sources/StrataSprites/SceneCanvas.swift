// A 64×64 RGB picture being painted, with the few primitives the backgrounds need.

public struct SceneCanvas {
    public static let side = 64
    /// RGB in 0...255, row by row.
    public var rgb: [Float]

    public init() { rgb = [Float](repeating: 0, count: SceneCanvas.side * SceneCanvas.side * 3) }

    @inline(__always) public mutating func set(_ x: Int, _ y: Int, _ c: (Float, Float, Float)) {
        guard x >= 0, y >= 0, x < SceneCanvas.side, y < SceneCanvas.side else { return }
        let i = (y * SceneCanvas.side + x) * 3
        rgb[i] = c.0; rgb[i + 1] = c.1; rgb[i + 2] = c.2
    }

    /// Blends colour `c` over the pixel with opacity `a`.
    @inline(__always) public mutating func blend(_ x: Int, _ y: Int, _ c: (Float, Float, Float), _ a: Float) {
        guard x >= 0, y >= 0, x < SceneCanvas.side, y < SceneCanvas.side else { return }
        let i = (y * SceneCanvas.side + x) * 3
        rgb[i] += (c.0 - rgb[i]) * a; rgb[i + 1] += (c.1 - rgb[i + 1]) * a; rgb[i + 2] += (c.2 - rgb[i + 2]) * a
    }

    public mutating func fillRows(_ rows: Range<Int>, _ c: (Float, Float, Float)) {
        for y in rows { for x in 0..<SceneCanvas.side { set(x, y, c) } }
    }

    /// Vertical gradient from `top` at row `rows.lowerBound` to `bottom` at its last row.
    public mutating func gradientRows(_ rows: Range<Int>, _ top: (Float, Float, Float), _ bottom: (Float, Float, Float)) {
        let span = Float(max(rows.count - 1, 1))
        for y in rows {
            let t = Float(y - rows.lowerBound) / span
            fillRows(y..<(y + 1), (top.0 + (bottom.0 - top.0) * t, top.1 + (bottom.1 - top.1) * t, top.2 + (bottom.2 - top.2) * t))
        }
    }

    /// Pixels whose centres lie inside the axis-aligned ellipse.
    public mutating func ellipse(cx: Float, cy: Float, rx: Float, ry: Float, _ c: (Float, Float, Float), opacity: Float = 1) {
        Self.forEachPixel(inEllipse: (cx, cy, rx, ry)) { x, y in blend(x, y, c, opacity) }
    }

    /// Calls `body(x, y)` for each pixel of the canvas whose centre lies inside the ellipse.
    public static func forEachPixel(inEllipse e: (cx: Float, cy: Float, rx: Float, ry: Float), _ body: (Int, Int) -> Void) {
        let y0 = Int((e.cy - e.ry).rounded(.down)), y1 = Int((e.cy + e.ry).rounded(.up))
        let x0 = Int((e.cx - e.rx).rounded(.down)), x1 = Int((e.cx + e.rx).rounded(.up))
        for y in y0...y1 { for x in x0...x1 where x >= 0 && y >= 0 && x < side && y < side {
            let dx = (Float(x) + 0.5 - e.cx) / e.rx, dy = (Float(y) + 0.5 - e.cy) / e.ry
            if dx * dx + dy * dy <= 1 { body(x, y) }
        } }
    }

    /// An upright isosceles triangle with its base on row `baseRow` (exclusive bottom).
    public mutating func triangle(centre: Float, base: Float, height: Float, baseRow: Int, _ c: (Float, Float, Float),
                                  cap: (Float, (Float, Float, Float))? = nil) {
        let top = Float(baseRow) - height
        for y in max(0, Int(top.rounded(.down)))..<baseRow {
            let fromTop = Float(y) + 0.5 - top
            guard fromTop >= 0 else { continue }
            let half = base / 2 * fromTop / height
            var colour = c
            if let (share, capColour) = cap, fromTop <= height * share { colour = capColour }
            for x in 0..<SceneCanvas.side where abs(Float(x) + 0.5 - centre) <= half { set(x, y, colour) }
        }
    }

    /// 8-bit RGB, rounded.
    public var bytes: [UInt8] { rgb.map { UInt8(max(0, min(255, $0.rounded()))) } }
}
