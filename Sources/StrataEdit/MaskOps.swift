// Masks as tensors [1, 1, H, W] with values in [0, 1]: shrunk to latent size by area
// averaging, moved and scaled for the placement mask, inverted and multiplied.
import StrataTensor

public enum MaskOps {
    /// Area average over `factor`×`factor` cells: the share of each latent cell covered,
    /// for each mask of a batch [N, 1, H, W].
    public static func downsample(_ mask: Tensor, factor: Int) -> Tensor {
        precondition(mask.rank == 4 && mask.shape[1] == 1, "mask must be [N, 1, H, W]")
        let n = mask.shape[0], h = mask.shape[2], w = mask.shape[3], oh = h / factor, ow = w / factor
        precondition(h % factor == 0 && w % factor == 0, "mask \(h)×\(w) is not a multiple of \(factor)")
        let out = Tensor(zeros: [n, 1, oh, ow])
        let scale = 1 / Float(factor * factor)
        for i in 0..<n { for y in 0..<h { for x in 0..<w {
            out.data[(i * oh + y / factor) * ow + x / factor] += mask.data[(i * h + y) * w + x] * scale
        } } }
        return out
    }

    public static func inverted(_ mask: Tensor) -> Tensor { GradMode.disabled { mask * -1 + 1 } }

    /// The bounding box of mask values above 0.5: (x0, y0, x1, y1) inclusive, nil when empty.
    public static func box(_ mask: Tensor) -> (Int, Int, Int, Int)? {
        let h = mask.shape[2], w = mask.shape[3]
        var x0 = w, y0 = h, x1 = -1, y1 = -1
        for y in 0..<h { for x in 0..<w where mask.data[y * w + x] > 0.5 {
            x0 = min(x0, x); y0 = min(y0, y); x1 = max(x1, x); y1 = max(y1, y)
        } }
        return x1 < 0 ? nil : (x0, y0, x1, y1)
    }

    /// The mask moved by (dx, dy) pixels and scaled by `scale` about the bottom centre of
    /// its box (so a scaled subject keeps standing where it stood), nearest neighbour.
    public static func placed(_ mask: Tensor, dx: Int, dy: Int, scale: Double) -> Tensor {
        let h = mask.shape[2], w = mask.shape[3]
        let out = Tensor(zeros: mask.shape)
        guard let (x0, _, x1, y1) = box(mask), scale > 0 else { return out }
        let cx = Double(x0 + x1 + 1) / 2, by = Double(y1 + 1)
        for y in 0..<h { for x in 0..<w {
            // Inverse map: where in the source this pixel's centre comes from.
            let sx = (Double(x) + 0.5 - Double(dx) - cx) / scale + cx
            let sy = (Double(y) + 0.5 - Double(dy) - by) / scale + by
            let ix = Int(sx.rounded(.down)), iy = Int(sy.rounded(.down))
            if ix >= 0, iy >= 0, ix < w, iy < h { out.data[y * w + x] = mask.data[iy * w + ix] }
        } }
        return out
    }

    /// The share of pixels above 0.5.
    public static func coverage(_ mask: Tensor) -> Double {
        var n = 0
        for i in 0..<mask.count where mask.data[i] > 0.5 { n += 1 }
        return Double(n) / Double(mask.count)
    }

    /// Intersection over union of a mask (above 0.5 is in) and 0/1 mask bytes of the same
    /// size; 1 when both are empty.
    public static func intersectionOverUnion(_ mask: Tensor, _ truth: [UInt8]) -> Double {
        precondition(mask.count == truth.count, "intersectionOverUnion: \(mask.count) and \(truth.count) pixels")
        return maskIoU(mask.scalars, truth.map { $0 > 0 ? 1 : 0 })
    }

    /// `placed` on 8-bit mask pixels (side×side, 0 or 1), for interfaces that keep masks as bytes.
    public static func placedPixels(_ pixels: [UInt8], side: Int, placement: Placement) -> [UInt8] {
        let t = Tensor(pixels.map(Float.init), shape: [1, 1, side, side])
        return placed(t, dx: placement.dx, dy: placement.dy, scale: placement.scale).scalars.map { $0 > 0.5 ? 1 : 0 }
    }
}
