// How well the layered autoencoder gives back fresh scenes' layers (evaluation seeds):
// PSNR of the composite of its heads, of B, of F where it is seen (m·F), and the mask's
// IoU at 0.5 and mean absolute error. Images are clamped and rounded to 8 bits first, as
// saved files are.
import Foundation
import StrataLayers
import StrataSprites
import StrataTensor

public struct LayeredAutoencoderEvaluation: Codable {
    public var count = 0
    public var compositePSNR = 0.0, backgroundPSNR = 0.0, foregroundPSNR = 0.0
    public var maskIoU = 0.0, maskMAE = 0.0

    enum CodingKeys: String, CodingKey {
        case count
        case compositePSNR = "composite_psnr", backgroundPSNR = "background_psnr", foregroundPSNR = "foreground_psnr"
        case maskIoU = "mask_iou", maskMAE = "mask_mae"
    }

    /// Mean PSNR (dB, per image) of `a` against `b`, both [N, C, H, W] in [−1, 1], after 8-bit rounding.
    static func psnr(_ a: Tensor, _ b: Tensor, image: Int) -> Double {
        let per = a.count / a.shape[0]
        var se = 0.0
        for i in (image * per)..<((image + 1) * per) {
            let x = (Double(max(-1, min(1, a.data[i]))) + 1) * 127.5, y = (Double(max(-1, min(1, b.data[i]))) + 1) * 127.5
            let d = x.rounded() - y.rounded()
            se += d * d
        }
        return 10 * log10(255 * 255 / max(se / Double(per), 1e-10))
    }

    public static func run(_ model: LayeredAutoencoder, renderer: SceneRenderer, count: Int, seed: UInt64) -> LayeredAutoencoderEvaluation {
        var e = LayeredAutoencoderEvaluation()
        for first in stride(from: 0, to: count, by: 16) {
            let n = min(16, count - first)
            let batch = LayeredSceneBatch(scenes: (first..<(first + n)).map { renderer.renderLayers(seed: SceneSpec.evaluationSeed(seed, index: $0)) })
            let out = GradMode.disabled { model.decode(model.encode(batch.layers)).layers }
            let truth = batch.layers
            let seenOut = GradMode.disabled { out.foreground * out.mask }, seenTrue = GradMode.disabled { truth.foreground * truth.mask }
            let composite = GradMode.disabled { out.composite }
            let plane = out.mask.count / n
            for k in 0..<n {
                e.compositePSNR += psnr(composite, batch.composites, image: k)
                e.backgroundPSNR += psnr(out.background, truth.background, image: k)
                e.foregroundPSNR += psnr(seenOut, seenTrue, image: k)
                var inter = 0, union = 0, abs = 0.0
                for i in (k * plane)..<((k + 1) * plane) {
                    let p = out.mask.data[i] > 0.5, t = truth.mask.data[i] > 0.5
                    if p && t { inter += 1 }
                    if p || t { union += 1 }
                    abs += Double(Swift.abs(out.mask.data[i] - truth.mask.data[i]))
                }
                e.maskIoU += union == 0 ? 1 : Double(inter) / Double(union)
                e.maskMAE += abs / Double(plane)
            }
        }
        let c = Double(count)
        e.count = count
        e.compositePSNR /= c; e.backgroundPSNR /= c; e.foregroundPSNR /= c; e.maskIoU /= c; e.maskMAE /= c
        return e
    }
}
