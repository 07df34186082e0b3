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

    public func render(_ spec: SceneSpec) -> Scene {
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
        let dy = bottom - sprite.opaqueBottom

        var canvas = SceneCanvas()
        BackgroundPainter.paint(spec.background, ground: g, into: &canvas, rng: &rng)
        if spec.pose == .jumping {
            let centre = Float(dx) + Float(sprite.opaqueLeft + sprite.opaqueRight + 1) / 2
            canvas.ellipse(cx: centre, cy: Float(g) + 0.5, rx: 0.4 * Float(sprite.uprightWidth), ry: 1.5, (0, 0, 0), opacity: 0.35)
        }
        var mask = [UInt8](repeating: 0, count: side * side)
        let (tr, tg, tb) = spec.tint.rgb
        let b = sprite.bitmap
        for y in 0..<b.height { for x in 0..<b.width {
            let X = x + dx, Y = y + dy
            guard X >= 0, Y >= 0, X < side, Y < side else { continue }
            let i = (y * b.width + x) * 4
            let a = b.pixels[i + 3]
            guard a > 0 else { continue }
            // Premultiplied colour in 0...255; tint: 0.4·rgb + 0.6·luma·tint/255.
            let r = b.pixels[i] * 255, gr = b.pixels[i + 1] * 255, bl = b.pixels[i + 2] * 255
            let luma = 0.299 * r + 0.587 * gr + 0.114 * bl
            let o = (Y * side + X) * 3
            canvas.rgb[o] = canvas.rgb[o] * (1 - a) + 0.4 * r + 0.6 * luma * tr / 255
            canvas.rgb[o + 1] = canvas.rgb[o + 1] * (1 - a) + 0.4 * gr + 0.6 * luma * tg / 255
            canvas.rgb[o + 2] = canvas.rgb[o + 2] * (1 - a) + 0.4 * bl + 0.6 * luma * tb / 255
            if a > 0.5 { mask[Y * side + X] = 1 }
        } }
        let box = (x: sprite.opaqueLeft + dx, y: sprite.opaqueTop + dy,
                   width: sprite.opaqueRight - sprite.opaqueLeft + 1, height: sprite.opaqueBottom - sprite.opaqueTop + 1)
        return Scene(spec: spec, rgb: canvas.bytes, mask: mask, spriteBox: box)
    }
}
