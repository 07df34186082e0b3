// The composition-aware two-layer autoencoder of Text2Layer (docs/method.md): one
// encoder reads F, B and m together into one latent; one decoder gives them back, its
// last convolution split into three heads (F, B, m). In training an auxiliary head on
// the decoder's features also reconstructs the composite, so the latent is shaped by
// what the layers compose to. The encoder and decoder are diffusers' AutoencoderKL with
// seven channels in and out, so the exported folder loads as one.
import Foundation
import StrataModels
import StrataTensor

public final class LayeredAutoencoder {
    /// An AutoencoderKL with `inChannels` = `outChannels` = 7 (`TwoLayerImages.packed`).
    public let core: AutoencoderKL
    public let parameters: ParameterRegistry
    /// The auxiliary composite head (GroupNorm, SiLU, 3×3 convolution to RGB): present
    /// while training with it, absent in an exported model.
    let compositeNorm: GroupNorm?, compositeConv: Conv2d?

    public var config: VAEConfig { core.config }
    public var hasCompositeHead: Bool { compositeConv != nil }

    public static let compositeHeadPrefix = "composite_head."

    /// `compositeHead`: build the auxiliary head (weights named `composite_head.*`).
    public init(config: VAEConfig, weights: WeightStore, compositeHead: Bool) throws {
        guard config.inChannels == TwoLayerImages.channels, config.outChannels == TwoLayerImages.channels else {
            throw LayeredModelError.malformed("a layered autoencoder reads and writes \(TwoLayerImages.channels) channels (F, B, m), this config has \(config.inChannels) in and \(config.outChannels) out")
        }
        core = try AutoencoderKL(config: config, weights: weights)
        parameters = core.parameters
        if compositeHead {
            let c = config.blockOutChannels[0]
            compositeNorm = try GroupNorm(parameters, Self.compositeHeadPrefix + "norm", c, groups: config.normNumGroups, eps: 1e-6)
            compositeConv = try Conv2d(parameters, Self.compositeHeadPrefix + "conv", c, 3, kernel: 3, padding: 1)
        } else {
            compositeNorm = nil; compositeConv = nil
        }
    }

    /// Reads a `layered_vae/` folder (config.json and fp16 or fp32 safetensors).
    public convenience init(folder: URL) throws {
        let config = try ConfigFile.read(VAEConfig.self, from: folder.appendingPathComponent("config.json"))
        try self.init(config: config, weights: WeightStore(path: WeightStore.file(in: folder, named: "diffusion_pytorch_model").path),
                      compositeHead: false)
    }

    public func encodeMoments(_ layers: TwoLayerImages) -> (mean: Tensor, logVariance: Tensor) { core.encodeMoments(layers.packed) }

    /// Scaled latents of the layers: the distribution's mean.
    public func encode(_ layers: TwoLayerImages) -> Tensor { encodeMoments(layers).mean * Float(config.scalingFactor) }

    /// The three heads' layers from scaled latents, and the auxiliary composite when the
    /// head is present and `withComposite` is set.
    public func decode(_ latents: Tensor, withComposite: Bool = false) -> (layers: TwoLayerImages, composite: Tensor?) {
        let (packed, composite) = decodePacked(latents, withComposite: withComposite)
        return (TwoLayerImages(packed: packed), composite)
    }

    /// The heads' seven channels as they come out (m's channel in about [−1, 1], not yet
    /// clamped: training compares them with `TwoLayerImages.packed`), and the auxiliary composite.
    public func decodePacked(_ latents: Tensor, withComposite: Bool) -> (packed: Tensor, composite: Tensor?) {
        let features = core.decodeFeatures(latents)
        let packed = core.decodeHead(features)
        guard withComposite, let norm = compositeNorm, let conv = compositeConv else { return (packed, nil) }
        return (packed, conv(norm(features).silu()))
    }

    /// Pixels per latent along each side.
    public var scaleFactor: Int { core.scaleFactor }
}

public enum LayeredModelError: Error, CustomStringConvertible {
    case malformed(String)
    public var description: String {
        switch self { case .malformed(let s): return s }
    }
}
