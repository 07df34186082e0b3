// Suggested subject masks (ours: no segmentation model ships with Strata).
// - From the diffusion model itself, as DiffEdit (arXiv 2210.11427) does: noise the
//   image half way, average |ε(x_t, T_a) − ε(x_t, T_b)| over channels and a few noise
//   draws, normalise, then refine at pixel size with the image's colours
//   (MaskRefinement), or threshold at latent size and upsample.
// - From colour: a flood fill from a point over pixels within a tolerance of its colour.
import StrataModels
import StrataTensor

public enum MaskSuggestion {
    /// Defaults, chosen with `strata eval mask` on the built-in model (40 fresh scenes at
    /// strength 0.5, mean IoU with the true masks: refined 0.832 at threshold 0.5, the
    /// map's blocks 0.481 at their best threshold, 0.35; strength 0.7 did worse).
    public static let defaultDraws = 8, defaultStrength = 0.5, defaultThreshold: Float = 0.5
    /// Names the defaults, for keys of cached results that hold a suggested mask.
    public static var settingsKey: String { "diffedit refined \(defaultDraws) \(defaultStrength) \(defaultThreshold)" }

    /// A mask [1, 1, H, W] (0 or 1) for `image` [1, 3, H, W] in [0, 1]: colour-refined, or
    /// the map's latent blocks when `refined` is false.
    public static func diffEdit(model: EditModel, image: Tensor, subject: String, background: String,
                                draws: Int = defaultDraws, strength: Double = defaultStrength, threshold: Float = defaultThreshold,
                                refined: Bool = true, seed: UInt64 = 0) -> Tensor {
        diffEdit(model: model, images: [image], subject: subject, background: background, draws: draws, strength: strength,
                 threshold: threshold, refined: refined, seed: seed)[0]
    }

    /// The masks of several images of one size, found together (each as it would be alone:
    /// the same noise draws; the UNet runs once per draw for all of them).
    public static func diffEdit(model: EditModel, images: [Tensor], subject: String, background: String,
                                draws: Int = defaultDraws, strength: Double = defaultStrength, threshold: Float = defaultThreshold,
                                refined: Bool = true, seed: UInt64 = 0) -> [Tensor] {
        // Together only while the latents are small, as stage 3's seeds: a large model's
        // batch of 2 × images at full size would pass the edit's memory estimate.
        let together = images.count > 1 && images[0].shape[2] / model.factor < IterativeGuidance.togetherBelowLatentSide
        let maps = together
            ? differences(model: model, images: images, query: subject, reference: background, draws: draws, strength: strength, seed: seed)
            : images.flatMap { differences(model: model, images: [$0], query: subject, reference: background, draws: draws, strength: strength, seed: seed) }
        return zip(images, maps).map { image, map in
            let h = image.shape[2] / model.factor, w = image.shape[3] / model.factor
            return refined ? MaskRefinement.refine(image: image, map: map, height: h, width: w, threshold: threshold)
                : mask(map, height: h, width: w, factor: model.factor, threshold: threshold)
        }
    }

    /// |ε(x_t, query) − ε(x_t, reference)| averaged over channels and `draws` noise draws at
    /// `strength` of the schedule, at latent size (row-major), divided by its maximum.
    public static func difference(model: EditModel, image: Tensor, query: String, reference: String,
                                  draws: Int = defaultDraws, strength: Double = defaultStrength, seed: UInt64 = 0) -> [Float] {
        differences(model: model, images: [image], query: query, reference: reference, draws: draws, strength: strength, seed: seed)[0]
    }

    /// `difference` for several images [1, 3, H, W] of one size, each with the noise draws
    /// it would have alone.
    static func differences(model: EditModel, images: [Tensor], query: String, reference: String,
                            draws: Int, strength: Double, seed: UInt64) -> [[Float]] {
        let n = images.count
        guard n > 0 else { return [] }
        let x0 = model.latents(Tensor.concat(images, axis: 0))
        let texts = [model.text(query), model.text(reference)]
        let context = Tensor.concat(texts.flatMap { Array(repeating: $0, count: n) }, axis: 0)
        let c = x0.shape[1], h = x0.shape[2], w = x0.shape[3], plane = c * h * w
        var difference = [[Float]](repeating: [Float](repeating: 0, count: h * w), count: n)
        var rng = StrataRandom(seed: seed)
        let t = Int(Double(model.schedule.config.numTrainTimesteps - 1) * strength)
        GradMode.disabled {
            for _ in 0..<draws {
                let noise = Tensor.randn([1, c, h, w], using: &rng)
                let xt = model.schedule.addNoise(x0, noise: Tensor.concat(Array(repeating: noise, count: n), axis: 0),
                                                 timesteps: Array(repeating: t, count: n))
                let out = model.model.unet(Tensor.concat([xt, xt], axis: 0), timesteps: Tensor(repeating: Float(t), shape: [2 * n]),
                                           context: context)
                for k in 0..<n {
                    let q = out.data + k * plane, r = out.data + (n + k) * plane
                    for ch in 0..<c { for i in 0..<(h * w) { difference[k][i] += abs(q[ch * h * w + i] - r[ch * h * w + i]) } }
                }
            }
        }
        return difference.map { d in
            let top = d.max() ?? 0
            return top > 0 ? d.map { $0 / top } : d
        }
    }

    /// The normalised difference map thresholded at latent size and upsampled by `factor`.
    public static func mask(_ map: [Float], height h: Int, width w: Int, factor f: Int, threshold: Float) -> Tensor {
        let mask = Tensor(zeros: [1, 1, h * f, w * f])
        for y in 0..<(h * f) { for x in 0..<(w * f) where map[(y / f) * w + x / f] > threshold {
            mask.data[y * w * f + x] = 1
        } }
        return mask
    }

    /// Pixels 4-connected to (x, y) whose colour lies within `tolerance` (0...1, largest
    /// channel difference) of the clicked pixel's.
    public static func floodFill(image: Tensor, x: Int, y: Int, tolerance: Float) -> Tensor {
        let h = image.shape[2], w = image.shape[3], plane = h * w
        let mask = Tensor(zeros: [1, 1, h, w])
        guard x >= 0, y >= 0, x < w, y < h else { return mask }
        let seed = (0..<3).map { image.data[$0 * plane + y * w + x] }
        var stack = [y * w + x]
        mask.data[y * w + x] = 1
        while let p = stack.popLast() {
            for i in MaskRefinement.neighbours(p, width: w, height: h) where mask.data[i] == 0 {
                var close = true
                for c in 0..<3 where abs(image.data[c * plane + i] - seed[c]) > tolerance { close = false }
                if close { mask.data[i] = 1; stack.append(i) }
            }
        }
        return mask
    }
}
