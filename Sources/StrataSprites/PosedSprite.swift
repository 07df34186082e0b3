// A sprite scaled to its size and turned to its pose, on a small canvas of its own:
// every canvas pixel is the average of 4×4 bilinear samples of the 109-px glyph, mapped
// back through the pose's affine transform. Float arithmetic only (+, ×, ÷, no libm),
// so every machine computes the same pixels.

public struct PosedSprite: Sendable {
    public let bitmap: SpriteBitmap
    /// Width of the upright scaled sprite (for the jumping shadow).
    public let uprightWidth: Int
    /// Rows and columns of the canvas that hold alpha > 0.5: the subject's box.
    public let opaqueTop: Int, opaqueBottom: Int, opaqueLeft: Int, opaqueRight: Int
    /// Columns that hold any coverage at all.
    public let inkLeft: Int, inkRight: Int

    static let cos20: Float = 0.939_692_62
    static let sin20: Float = 0.342_020_14

    public init(source: SpriteBitmap, size: SpriteSize, pose: Pose) {
        let longer = Float(size.pixels)
        let scale = longer / Float(max(source.width, source.height))
        let w = Float(source.width) * scale, h = Float(source.height) * scale
        uprightWidth = Int((w).rounded())
        // Canvas: the rotated box's extent plus a margin, so nothing is clipped.
        let extent = Int((w + h).rounded(.up)) + 4
        let side = pose == .jumping ? extent : Int(max(w, h).rounded(.up)) + 4
        let centre = Float(side) / 2
        var pixels = [Float](repeating: 0, count: side * side * 4)
        let n = 4
        let weight = 1 / Float(n * n)
        for py in 0..<side { for px in 0..<side {
            var acc: (Float, Float, Float, Float) = (0, 0, 0, 0)
            for sy in 0..<n { for sx in 0..<n {
                // Canvas point relative to the sprite's centre.
                let cx = Float(px) + (Float(sx) + 0.5) / Float(n) - centre
                let cy = Float(py) + (Float(sy) + 0.5) / Float(n) - centre
                var ux = cx, uy = cy
                switch pose {
                case .standing: break
                case .lying: uy = -cy
                case .jumping:
                    // Inverse of a 20° clockwise turn on screen (y down): nose up.
                    ux = cx * PosedSprite.cos20 + cy * PosedSprite.sin20
                    uy = -cx * PosedSprite.sin20 + cy * PosedSprite.cos20
                }
                let s = PosedSprite.sample(source, x: ux / scale + Float(source.width) / 2 - 0.5,
                                           y: uy / scale + Float(source.height) / 2 - 0.5)
                acc.0 += s.0; acc.1 += s.1; acc.2 += s.2; acc.3 += s.3
            } }
            let d = (py * side + px) * 4
            pixels[d] = acc.0 * weight; pixels[d + 1] = acc.1 * weight
            pixels[d + 2] = acc.2 * weight; pixels[d + 3] = acc.3 * weight
        } }
        bitmap = SpriteBitmap(width: side, height: side, pixels: pixels)
        var top = side, bottom = -1, left = side, right = -1, inkL = side, inkR = -1
        for y in 0..<side { for x in 0..<side {
            let a = bitmap.alpha(x, y)
            if a > 0.5 { top = min(top, y); bottom = max(bottom, y); left = min(left, x); right = max(right, x) }
            if a > 0.5 / 255 { inkL = min(inkL, x); inkR = max(inkR, x) }
        } }
        opaqueTop = top; opaqueBottom = bottom; opaqueLeft = left; opaqueRight = right
        inkLeft = inkL; inkRight = inkR
    }

    /// Bilinear sample of premultiplied RGBA; transparent outside the bitmap.
    @inline(__always)
    static func sample(_ b: SpriteBitmap, x: Float, y: Float) -> (Float, Float, Float, Float) {
        let fx = x.rounded(.down), fy = y.rounded(.down)
        let x0 = Int(fx), y0 = Int(fy)
        let tx = x - fx, ty = y - fy
        var r: (Float, Float, Float, Float) = (0, 0, 0, 0)
        for (dy, wy) in [(0, 1 - ty), (1, ty)] { for (dx, wx) in [(0, 1 - tx), (1, tx)] {
            let xx = x0 + dx, yy = y0 + dy
            guard xx >= 0, yy >= 0, xx < b.width, yy < b.height else { continue }
            let w = wx * wy, i = (yy * b.width + xx) * 4
            r.0 += b.pixels[i] * w; r.1 += b.pixels[i + 1] * w; r.2 += b.pixels[i + 2] * w; r.3 += b.pixels[i + 3] * w
        } }
        return r
    }
}
