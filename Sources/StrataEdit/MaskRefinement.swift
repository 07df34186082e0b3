// Refines a DiffEdit difference map, found at latent resolution (4×4-pixel blocks on the
// built-in model), into a pixel mask with the image's own colours: pixels the map is
// sure of give a colour model of subject and of background, every pixel is then decided
// by its colour's likelihood ratio plus the map's vote, and only the regions that hold a
// sure subject pixel are kept, their holes filled. Ours, in the spirit of GrabCut's
// colour models, without its graph cut.
import Foundation
import StrataTensor

public enum MaskRefinement {
    /// Map values (normalised to a maximum of 1) above this are surely subject...
    public static let sureSubject: Float = 0.6
    /// ...and below this surely background.
    public static let sureBackground: Float = 0.15
    /// Weight of the map's vote (map − threshold) against the colour log-likelihood ratio.
    public static let mapWeight: Float = 8
    /// Colour levels per channel of the colour models' histograms.
    static let levels = 8

    /// A mask [1, 1, H, W] (0 or 1) for `image` [1, 3, H, W] in [0, 1] from `map` (h × w,
    /// row-major, as `MaskSuggestion.difference` gives it). Falls back to the thresholded
    /// map when it has no sure subject or no sure background pixel.
    public static func refine(image: Tensor, map: [Float], height h: Int, width w: Int, threshold: Float) -> Tensor {
        let H = image.shape[2], W = image.shape[3], plane = H * W
        let smooth = upsampled(map, height: h, width: w, toHeight: H, toWidth: W)
        let bins = levels * levels * levels
        var subject = [Float](repeating: 1, count: bins), background = [Float](repeating: 1, count: bins)
        var bin = [Int](repeating: 0, count: plane)
        var sureCount = (0, 0)
        for i in 0..<plane {
            var b = 0
            for c in 0..<3 { b = b * levels + min(levels - 1, max(0, Int(image.data[c * plane + i] * Float(levels)))) }
            bin[i] = b
            if smooth[i] > sureSubject { subject[b] += 1; sureCount.0 += 1 }
            if smooth[i] < sureBackground { background[b] += 1; sureCount.1 += 1 }
        }
        guard sureCount.0 > 0, sureCount.1 > 0 else { return MaskSuggestion.mask(map, height: h, width: w, factor: H / h, threshold: threshold) }
        let subjectTotal = subject.reduce(0, +), backgroundTotal = background.reduce(0, +)
        var keep = [Bool](repeating: false, count: plane)
        for i in 0..<plane {
            let ratio = log(subject[bin[i]] / subjectTotal) - log(background[bin[i]] / backgroundTotal)
            keep[i] = ratio + mapWeight * (smooth[i] - threshold) > 0
        }
        keep = regionsHolding(keep, sure: smooth.map { $0 > sureSubject }, width: W, height: H)
        keep = holesFilled(keep, width: W, height: H)
        let mask = Tensor(zeros: [1, 1, H, W])
        for i in 0..<plane where keep[i] { mask.data[i] = 1 }
        return mask
    }

    /// Bilinear, pixel centres aligned (half-pixel offsets), clamped at the border.
    static func upsampled(_ map: [Float], height h: Int, width w: Int, toHeight H: Int, toWidth W: Int) -> [Float] {
        var out = [Float](repeating: 0, count: H * W)
        for y in 0..<H {
            let sy = min(max((Float(y) + 0.5) * Float(h) / Float(H) - 0.5, 0), Float(h - 1))
            let y0 = Int(sy), y1 = min(y0 + 1, h - 1), fy = sy - Float(y0)
            for x in 0..<W {
                let sx = min(max((Float(x) + 0.5) * Float(w) / Float(W) - 0.5, 0), Float(w - 1))
                let x0 = Int(sx), x1 = min(x0 + 1, w - 1), fx = sx - Float(x0)
                let top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx
                let bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx
                out[y * W + x] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }

    /// The 4-connected regions of `mask` that contain at least one `sure` pixel.
    static func regionsHolding(_ mask: [Bool], sure: [Bool], width W: Int, height H: Int) -> [Bool] {
        var out = [Bool](repeating: false, count: mask.count)
        var stack = [Int]()
        for start in 0..<mask.count where mask[start] && sure[start] && !out[start] {
            out[start] = true; stack.append(start)
            while let i = stack.popLast() {
                for n in neighbours(i, width: W, height: H) where mask[n] && !out[n] { out[n] = true; stack.append(n) }
            }
        }
        return out
    }

    /// `mask` with every unmasked region that does not touch the border filled.
    static func holesFilled(_ mask: [Bool], width W: Int, height H: Int) -> [Bool] {
        var outside = [Bool](repeating: false, count: mask.count)
        var stack = [Int]()
        for i in 0..<mask.count where !mask[i] && (i % W == 0 || i % W == W - 1 || i / W == 0 || i / W == H - 1) {
            outside[i] = true; stack.append(i)
        }
        while let i = stack.popLast() {
            for n in neighbours(i, width: W, height: H) where !mask[n] && !outside[n] { outside[n] = true; stack.append(n) }
        }
        return outside.map { !$0 }
    }

    static func neighbours(_ i: Int, width W: Int, height H: Int) -> [Int] {
        let x = i % W, y = i / W
        var n = [Int]()
        if x > 0 { n.append(i - 1) }
        if x < W - 1 { n.append(i + 1) }
        if y > 0 { n.append(i - W) }
        if y < H - 1 { n.append(i + W) }
        return n
    }
}
