// The eight places of the sprite world, painted as docs/sprite-world.md
// describes them. Counts and positions come from the scene's own generator.
import StrataTensor

enum BackgroundPainter {
    static let white: (Float, Float, Float) = (255, 255, 255)

    static func paint(_ background: Background, ground g: Int, into canvas: inout SceneCanvas, rng: inout StrataRandom) {
        let side = SceneCanvas.side
        func uniform(_ r: ClosedRange<Int>) -> Int { r.lowerBound + rng.nextInt(below: r.count) }
        func stars(_ count: ClosedRange<Int>, below row: Int) {
            for _ in 0..<uniform(count) { canvas.set(uniform(0...(side - 1)), uniform(0...(row - 1)), white) }
        }
        switch background {
        case .meadow:
            canvas.gradientRows(0..<g, (110, 180, 240), (170, 215, 250))
            for _ in 0..<uniform(2...3) {
                canvas.ellipse(cx: Float(uniform(4...59)), cy: Float(uniform(5...(g - 18))),
                               rx: Float(uniform(4...7)), ry: Float(uniform(2...3)), white)
            }
            canvas.fillRows(g..<side, (80, 170, 70))
            for y in g..<side { for x in 0..<side where rng.nextInt(below: 10) == 0 { canvas.set(x, y, (60, 140, 50)) } }
        case .beach:
            canvas.fillRows(0..<(g - 8), (150, 210, 245))
            canvas.fillRows((g - 8)..<g, (30, 120, 200))
            canvas.fillRows(g..<side, (235, 210, 150))
        case .snow:
            canvas.fillRows(0..<g, (200, 215, 235))
            canvas.fillRows(g..<side, (245, 248, 252))
            stars(25...40, below: g)
        case .forest:
            canvas.fillRows(0..<g, (210, 230, 190))
            canvas.fillRows(g..<side, (70, 90, 40))
            for _ in 0..<uniform(3...5) {
                let x = uniform(4...59)
                for ty in (g - 4)..<g { for tx in (x - 1)...x { canvas.set(tx, ty, (100, 70, 40)) } }
                canvas.triangle(centre: Float(x), base: Float(uniform(14...20)), height: Float(uniform(20...30)),
                                baseRow: g - 4, (30, 100, 50))
            }
        case .desert:
            canvas.gradientRows(0..<g, (250, 200, 120), (250, 160, 90))
            canvas.fillRows(g..<(g + 2), (250, 160, 90))  // sky behind the wave's troughs
            canvas.ellipse(cx: Float(uniform(8...55)), cy: Float(uniform(8...(g - 16))), rx: 6, ry: 6, (255, 230, 120))
            // Sand's top edge: a sine of amplitude 2 px, from an exact table (no libm).
            let wave: [Int] = [0, 1, 1, 2, 2, 2, 1, 1, 0, -1, -1, -2, -2, -2, -1, -1]
            let phase = uniform(0...15)
            for x in 0..<side {
                let edge = g + wave[(x + phase) % 16]
                for y in edge..<side { canvas.set(x, y, (220, 170, 90)) }
            }
        case .city:
            canvas.fillRows(0..<g, (20, 25, 60))
            stars(20...30, below: g)
            for _ in 0..<uniform(4...6) {
                let w = uniform(8...14), h = uniform(15...35), x0 = uniform(-4...(side - w + 4))
                for y in (g - h)..<g { for x in x0..<(x0 + w) {
                    let window = (x - x0) % 3 == 1 && (g - y) % 3 == 2
                    canvas.set(x, y, window && rng.nextInt(below: 10) < 3 ? (250, 220, 100) : (40, 40, 70))
                } }
            }
            canvas.fillRows(g..<side, (50, 50, 55))
        case .mountains:
            canvas.fillRows(0..<g, (120, 170, 230))
            for _ in 0..<uniform(2...3) {
                let h = uniform(20...35)
                canvas.triangle(centre: Float(uniform(4...59)), base: Float(h * uniform(16...24) / 10), height: Float(h),
                                baseRow: g, (120, 120, 130), cap: (0.25, white))
            }
            canvas.fillRows(g..<side, (110, 140, 90))
        case .moon:
            canvas.fillRows(0..<g, (5, 5, 15))
            stars(30...50, below: g)
            canvas.fillRows(g..<side, (150, 150, 150))
            for _ in 0..<uniform(3...5) {
                let ry = Float(uniform(1...2))
                canvas.ellipse(cx: Float(uniform(2...61)), cy: Float(uniform(g + 2...62)), rx: ry * Float(uniform(2...3)),
                               ry: ry, (110, 110, 110))
            }
        }
    }
}
