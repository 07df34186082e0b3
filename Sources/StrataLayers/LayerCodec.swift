// What a layered model's UNet works in: a codec between two-layer images (F, B, m) and
// one latent. Text2Layer's is the composition-aware layered autoencoder; the paper's
// baseline puts F and B through a plain image autoencoder apart and the mask, shrunk to
// latent size, beside them (SeparateLayerCodec).
import Foundation
import StrataEdit
import StrataModels
import StrataTensor

public protocol LayerCodec: AnyObject {
    /// Channels of the latent the UNet reads and writes.
    var latentChannels: Int { get }
    /// Pixels per latent along each side.
    var scaleFactor: Int { get }
    /// The native image side in pixels.
    var sampleSize: Int { get }
    /// Names the latent space (its kind and scaling), so caches of another are not read.
    var fingerprint: String { get }
    /// The component folder a model folder keeps the codec in.
    var component: String { get }
    /// The decoder's channels per level and the codec's parameter count, for the memory
    /// estimate (GenerationMemory).
    var decoderBlocks: [Int] { get }
    var parameterCount: Int { get }
    /// Scaled latents of the layers (the distribution's mean).
    func encodeLayers(_ layers: TwoLayerImages) -> Tensor
    /// Layers from scaled latents: F and B in [−1, 1], m in [0, 1].
    func decodeLayers(_ latents: Tensor) -> TwoLayerImages
    /// Writes the codec's component folder.
    func write(to folder: URL, as type: SafeTensorsFile.StorageType) throws
}

extension LayeredAutoencoder: LayerCodec {
    public var latentChannels: Int { config.latentChannels }
    public var sampleSize: Int { config.sampleSize }
    public var fingerprint: String { "layered \(config.scalingFactor)" }
    public var component: String { "layered_vae" }
    public var decoderBlocks: [Int] { config.blockOutChannels }
    public var parameterCount: Int { parameters.elementCount }
    public func encodeLayers(_ layers: TwoLayerImages) -> Tensor { encode(layers) }
    public func decodeLayers(_ latents: Tensor) -> TwoLayerImages {
        let l = decode(latents).layers
        return TwoLayerImages(foreground: l.foreground.clamped(-1, 1), background: l.background.clamped(-1, 1), mask: l.mask)
    }
    public func write(to folder: URL, as type: SafeTensorsFile.StorageType) throws { try ModelFolderWriter.writeVAE(core, to: folder, as: type) }
}

/// The baseline of Text2Layer's comparisons: an image autoencoder (the built-in model's)
/// encodes F and B apart; the mask is area-averaged to latent size and kept as 2m − 1.
/// The latent is [E(F), E(B), 2m↓ − 1]; decoding upsamples the mask bilinearly.
public final class SeparateLayerCodec: LayerCodec {
    public let vae: AutoencoderKL

    public init(vae: AutoencoderKL) throws {
        guard vae.config.inChannels == 3, vae.config.outChannels == 3 else {
            throw LayeredModelError.malformed("the baseline's autoencoder must read and write RGB; this one has \(vae.config.inChannels) channels in")
        }
        self.vae = vae
    }

    public var latentChannels: Int { 2 * vae.config.latentChannels + 1 }
    public var scaleFactor: Int { vae.scaleFactor }
    public var sampleSize: Int { vae.config.sampleSize }
    public var fingerprint: String { "separate \(vae.config.scalingFactor)" }
    public var component: String { "vae" }
    public var decoderBlocks: [Int] { vae.config.blockOutChannels }
    public var parameterCount: Int { vae.parameters.elementCount }

    public func encodeLayers(_ layers: TwoLayerImages) -> Tensor {
        let scale = Float(vae.config.scalingFactor)
        let f = vae.encodeMoments(layers.foreground).mean * scale, b = vae.encodeMoments(layers.background).mean * scale
        return Tensor.concat([f, b, Self.shrink(layers.mask, factor: scaleFactor) * 2 - 1], axis: 1)
    }

    public func decodeLayers(_ latents: Tensor) -> TwoLayerImages {
        let c = vae.config.latentChannels
        let parts = latents.split(axis: 1, sizes: [c, c, 1])
        let m = Self.grow((parts[2] + 1) * 0.5, factor: scaleFactor).clamped(0, 1)
        return TwoLayerImages(foreground: vae.decode(parts[0]).clamped(-1, 1), background: vae.decode(parts[1]).clamped(-1, 1), mask: m)
    }

    public func write(to folder: URL, as type: SafeTensorsFile.StorageType) throws { try ModelFolderWriter.writeVAE(vae, to: folder, as: type) }

    /// Area average over `factor`×`factor` cells, [N, 1, H, W] → [N, 1, H/f, W/f].
    static func shrink(_ m: Tensor, factor: Int) -> Tensor { MaskOps.downsample(m, factor: factor) }

    /// Bilinear upsampling by `factor` with half-pixel centres (PyTorch's
    /// interpolate(mode="bilinear", align_corners=False)), [N, 1, h, w] → [N, 1, h·f, w·f].
    static func grow(_ m: Tensor, factor f: Int) -> Tensor {
        let n = m.shape[0], h = m.shape[2], w = m.shape[3], oh = h * f, ow = w * f
        let out = Tensor(zeros: [n, 1, oh, ow])
        func source(_ o: Int, _ size: Int) -> (Int, Int, Float) {
            let s = max(0, (Float(o) + 0.5) / Float(f) - 0.5)
            let i0 = min(Int(s), size - 1), i1 = min(i0 + 1, size - 1)
            return (i0, i1, s - Float(i0))
        }
        for i in 0..<n {
            let base = m.data + i * h * w
            for y in 0..<oh {
                let (y0, y1, ty) = source(y, h)
                for x in 0..<ow {
                    let (x0, x1, tx) = source(x, w)
                    let top = base[y0 * w + x0] * (1 - tx) + base[y0 * w + x1] * tx
                    let bottom = base[y1 * w + x0] * (1 - tx) + base[y1 * w + x1] * tx
                    out.data[(i * oh + y) * ow + x] = top * (1 - ty) + bottom * ty
                }
            }
        }
        return out
    }
}
