// Colour matching of a result's subject to the source's (ours, not the paper's; in the
// spirit of the colour correction of img2img front ends, but on the subject alone): each
// RGB channel of the pixels under the result's subject mask is moved to the mean and
// spread of the same channel under the source's subject mask. A subject drawn in a new
// pose or size keeps its colours' distribution, while the fine-tuned UNet often draws it
// in a neighbouring hue (docs/results.md). A colour change the texts ask for is undone
// too, so the setting is off unless chosen.
import StrataModels
import StrataTensor

public enum ColourMatch {
    /// The spread of a channel is scaled by at most this factor either way, so that a
    /// nearly flat region is not stretched into noise (nor a noisy one flattened).
    public static let spreadLimit: Float = 2
    /// Fewer subject pixels than this on either side leave the result as it is.
    public static let leastPixels = 4

    /// Results of an edit of `inputs` matched, each with the subject mask suggested on it
    /// from the edit's texts (all found together); the masks are returned too.
    public static func onResults(_ images: [Tensor], model: EditModel, inputs: EditInputs, strength: Double) -> [(image: Tensor, mask: Tensor)] {
        let masks = MaskSuggestion.diffEdit(model: model, images: images, subject: inputs.subjectText, background: inputs.backgroundText)
        return zip(images, masks).map { image, mask in
            (apply(result: image, resultMask: mask, source: inputs.source, sourceMask: inputs.subjectMask, strength: Float(strength)), mask)
        }
    }

    /// `result` [1, 3, H, W] in [0, 1] with the pixels under `resultMask` [1, 1, H, W]
    /// (> 0.5) moved `strength` (0...1) of the way to the colours of `source`'s pixels under
    /// `sourceMask` (source and its mask may be of another size).
    public static func apply(result: Tensor, resultMask: Tensor, source: Tensor, sourceMask: Tensor, strength: Float) -> Tensor {
        let out = result.copy()
        let plane = result.shape[2] * result.shape[3], sourcePlane = source.shape[2] * source.shape[3]
        let inResult = (0..<plane).filter { resultMask.data[$0] > 0.5 }
        let inSource = (0..<sourcePlane).filter { sourceMask.data[$0] > 0.5 }
        guard strength > 0, inResult.count >= leastPixels, inSource.count >= leastPixels else { return out }
        for c in 0..<3 {
            let from = moments(result.data, offset: c * plane, pixels: inResult)
            let to = moments(source.data, offset: c * sourcePlane, pixels: inSource)
            let gain = from.spread > 0 ? min(spreadLimit, max(1 / spreadLimit, to.spread / from.spread)) : 1
            for i in inResult {
                let v = result.data[c * plane + i]
                let matched = (v - from.mean) * gain + to.mean
                out.data[c * plane + i] = min(1, max(0, v + strength * (matched - v)))
            }
        }
        return out
    }

    /// Mean and standard deviation of `values[offset + i]` over `pixels`.
    static func moments(_ values: UnsafeMutablePointer<Float>, offset: Int, pixels: [Int]) -> (mean: Float, spread: Float) {
        var sum = 0.0, squares = 0.0
        for i in pixels { let v = Double(values[offset + i]); sum += v; squares += v * v }
        let n = Double(pixels.count), mean = sum / n
        return (Float(mean), Float(max(0, squares / n - mean * mean).squareRoot()))
    }
}
