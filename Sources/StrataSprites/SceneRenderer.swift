// Draws a scene: its background, the jumping shadow, then the tinted, posed sprite.
// Posed sprites are cached per (animal, size, pose); the tint is a linear map of the
// colour, so it is applied while compositing.
import Foundation
import Synchronization
import StrataTensor

/// A rendered scene with its labels.
public struct Scene: Sendable {
    public let spec: SceneSpec
    /// 64×64 RGB bytes, row by row.
    public let rgb: [UInt8]
    /// 64×64 subject mask: 1 where the posed sprite's alpha is above 0.5.
    public let mask: [UInt8]
    /// The subject's box (alpha > 0.5) in image pixels: x, y, width, height.
    public let spriteBox: (x: Int, y: Int, width: Int, height: Int)

    public var caption: Caption { spec.caption }
}

public final class SceneRenderer: @unchecked Sendable {
    public let atlas: SpriteAtlas
    private let cache = Mutex<[Int: PosedSprite]>([:])

    public init(atlas: SpriteAtlas) { self.atlas = atlas }

    public static func shipped() throws -> SceneRenderer { SceneRenderer(atlas: try SpriteAtlas.shipped()) }

    public func posed(_ animal: Animal, _ size: SpriteSize, _ pose: Pose) -> PosedSprite {
        let key = (animal.rawValue * 3 + size.rawValue) * 3 + pose.rawValue
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let sprite = PosedSprite(source: atlas[animal], size: size, pose: pose)
        cache.withLock { $0[key] = sprite }
        return sprite
    }

    public func render(seed: UInt64) -> Scene { render(SceneSpec(seed: seed)) }
    public func renderLayers(seed: UInt64) -> SceneLayers { renderLayers(SceneSpec(seed: seed)) }

    /// Where a scene's posed sprite goes, and the detail stream after that draw, which
    /// paints the background: shared by the scene and its layers so both draw the same.
    struct Placement {
        let sprite: PosedSprite
        /// Sprite canvas → image offset.
        let dx: Int, dy: Int
        var rng: StrataRandom
        /// The jumping shadow's centre column (image pixels), nil for other poses.
        let shadowCentre: Float?
    }

    func place(_ spec: SceneSpec) -> Placement {
        let side = SceneCanvas.side
        let g = spec.groundLine
        var rng = StrataRandom(seed: spec.detailSeed)
        let sprite = posed(spec.animal, spec.size, spec.pose)
        // Where the sprite goes: the first draw of the detail stream.
        let boxWidth = sprite.inkRight - sprite.inkLeft + 1
        let half = Float(boxWidth - 1) / 2
        let lowest = max(1, Int((16 - half).rounded(.up)))
        let highest = min(side - 1 - boxWidth, Int((48 - half).rounded(.down)))
        let inkX = highest >= lowest ? lowest + rng.nextInt(below: highest - lowest + 1) : max(1, (side - boxWidth) / 2)
        let dx = inkX - sprite.inkLeft
        var bottom = g
        if spec.pose == .jumping {
            let height = sprite.opaqueBottom - sprite.opaqueTop
            let lift = min((12 * spec.size.pixels + 14) / 28, max(0, g - height - 1))
            bottom = g - lift
        }
        let shadowCentre = spec.pose == .jumping ? Float(dx) + Float(sprite.opaqueLeft + sprite.opaqueRight + 1) / 2 : nil
        return Placement(sprite: sprite, dx: dx, dy: bottom - sprite.opaqueBottom, rng: rng, shadowCentre: shadowCentre)
    }

    /// The jumping shadow's ellipse: 0.8 × the upright width, 3 px high, on the ground row.
    static func shadowEllipse(_ p: Placement, ground g: Int) -> (cx: Float, cy: Float, rx: Float, ry: Float)? {
        p.shadowCentre.map { ($0, Float(g) + 0.5, 0.4 * Float(p.sprite.uprightWidth), 1.5) }
    }
    static let shadowOpacity: Float = 0.35

    /// Calls `body(X, Y, premultiplied tinted r, g, b in 0...255, alpha)` for every image
    /// pixel the placed sprite covers. Tint: 0.4·rgb + 0.6·luma·tint/255.
    static func forEachSpritePixel(_ p: Placement, tint: Tint, _ body: (Int, Int, Float, Float, Float, Float) -> Void) {
        let side = SceneCanvas.side
        let (tr, tg, tb) = tint.rgb
        let b = p.sprite.bitmap
        for y in 0..<b.height { for x in 0..<b.width {
            let X = x + p.dx, Y = y + p.dy
            guard X >= 0, Y >= 0, X < side, Y < side else { continue }
            let i = (y * b.width + x) * 4
            let a = b.pixels[i + 3]
            guard a > 0 else { continue }
            let r = b.pixels[i] * 255, gr = b.pixels[i + 1] * 255, bl = b.pixels[i + 2] * 255
            let luma = 0.299 * r + 0.587 * gr + 0.114 * bl
            body(X, Y, 0.4 * r + 0.6 * luma * tr / 255, 0.4 * gr + 0.6 * luma * tg / 255, 0.4 * bl + 0.6 * luma * tb / 255, a)
        } }
    }

    public func render(_ spec: SceneSpec) -> Scene {
        let side = SceneCanvas.side
        var p = place(spec)
        var canvas = SceneCanvas()
        BackgroundPainter.paint(spec.background, ground: spec.groundLine, into: &canvas, rng: &p.rng)
        if let e = Self.shadowEllipse(p, ground: spec.groundLine) {
            canvas.ellipse(cx: e.cx, cy: e.cy, rx: e.rx, ry: e.ry, (0, 0, 0), opacity: Self.shadowOpacity)
        }
        var mask = [UInt8](repeating: 0, count: side * side)
        Self.forEachSpritePixel(p, tint: spec.tint) { X, Y, r, g, b, a in
            let o = (Y * side + X) * 3
            canvas.rgb[o] = canvas.rgb[o] * (1 - a) + r
            canvas.rgb[o + 1] = canvas.rgb[o + 1] * (1 - a) + g
            canvas.rgb[o + 2] = canvas.rgb[o + 2] * (1 - a) + b
            if a > 0.5 { mask[Y * side + X] = 1 }
        }
        let s = p.sprite
        let box = (x: s.opaqueLeft + p.dx, y: s.opaqueTop + p.dy,
                   width: s.opaqueRight - s.opaqueLeft + 1, height: s.opaqueBottom - s.opaqueTop + 1)
        return Scene(spec: spec, rgb: canvas.bytes, mask: mask, spriteBox: box)
    }

    /// The scene as two layers (layers.md): the background alone, and the subject with
    /// its shadow as a straight-alpha RGBA layer whose alpha is the soft mask.
    public func renderLayers(_ spec: SceneSpec) -> SceneLayers {
        let side = SceneCanvas.side, plane = side * side
        var p = place(spec)
        var canvas = SceneCanvas()
        BackgroundPainter.paint(spec.background, ground: spec.groundLine, into: &canvas, rng: &p.rng)
        // Premultiplied foreground: the shadow first (black, so no colour), the sprite over it.
        var premultiplied = [Float](repeating: 0, count: plane * 3)
        var alpha = [Float](repeating: 0, count: plane)
        if let e = Self.shadowEllipse(p, ground: spec.groundLine) {
            SceneCanvas.forEachPixel(inEllipse: e) { x, y in alpha[y * side + x] = Self.shadowOpacity }
        }
        Self.forEachSpritePixel(p, tint: spec.tint) { X, Y, r, g, b, a in
            let i = Y * side + X
            premultiplied[i * 3] = r; premultiplied[i * 3 + 1] = g; premultiplied[i * 3 + 2] = b
            alpha[i] = a + alpha[i] * (1 - a)
        }
        var straight = [Float](repeating: 0, count: plane * 3)
        for i in 0..<plane where alpha[i] > 0 {
            for c in 0..<3 { straight[i * 3 + c] = min(255, premultiplied[i * 3 + c] / alpha[i]) }
        }
        return SceneLayers(spec: spec, background: canvas.rgb, foreground: straight, alpha: alpha)
    }
}
