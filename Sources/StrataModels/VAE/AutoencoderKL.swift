// diffusers' AutoencoderKL: an encoder to a diagonal Gaussian over latents (mean and
// log-variance) and a decoder back to pixels, with a single-head self-attention in
// each mid block. Images are [N, 3, H, W] in [−1, 1]; latents are scaled by the
// config's scaling factor outside (`encode` and `decode` take care of it).
import Foundation
import StrataTensor

public final class AutoencoderKL {
    public let config: VAEConfig
    public let parameters: ParameterRegistry

    struct MidAttention {
        let norm: GroupNorm, q: Linear, k: Linear, v: Linear, out: Linear
        init(_ p: ParameterRegistry, _ name: String, _ c: Int, groups: Int) throws {
            norm = try GroupNorm(p, name + ".group_norm", c, groups: groups, eps: 1e-6)
            q = try Linear(p, name + ".to_q", c, c); k = try Linear(p, name + ".to_k", c, c)
            v = try Linear(p, name + ".to_v", c, c); out = try Linear(p, name + ".to_out.0", c, c)
        }
        func callAsFunction(_ x: Tensor) -> Tensor {
            let b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
            let t = norm(x).reshaped([b, c, h * w]).permuted([0, 2, 1])
            func head(_ u: Tensor) -> Tensor { u.reshaped([b, 1, h * w, c]) }
            let a = Tensor.attention(head(q(t)), head(k(t)), head(v(t))).reshaped([b, h * w, c])
            return out(a).permuted([0, 2, 1]).reshaped([b, c, h, w]) + x
        }
    }

    struct Mid {
        let resnet1: ResnetBlock, attention: MidAttention, resnet2: ResnetBlock
        init(_ p: ParameterRegistry, _ name: String, _ c: Int, groups: Int) throws {
            resnet1 = try ResnetBlock(p, name + ".resnets.0", inC: c, outC: c, timeDim: nil, groups: groups, eps: 1e-6)
            attention = try MidAttention(p, name + ".attentions.0", c, groups: groups)
            resnet2 = try ResnetBlock(p, name + ".resnets.1", inC: c, outC: c, timeDim: nil, groups: groups, eps: 1e-6)
        }
        func callAsFunction(_ x: Tensor) -> Tensor { resnet2(attention(resnet1(x, nil)), nil) }
    }

    let encConvIn: Conv2d, encDown: [([ResnetBlock], Conv2d?)], encMid: Mid, encNorm: GroupNorm, encConvOut: Conv2d
    let quantConv: Conv2d?, postQuantConv: Conv2d?
    let decConvIn: Conv2d, decMid: Mid, decUp: [([ResnetBlock], Conv2d?)], decNorm: GroupNorm, decConvOut: Conv2d

    public init(config: VAEConfig, weights: WeightStore) throws {
        self.config = config
        let p = ParameterRegistry(weights)
        parameters = p
        let ch = config.blockOutChannels, g = config.normNumGroups, z = config.latentChannels
        encConvIn = try Conv2d(p, "encoder.conv_in", config.inChannels, ch[0], kernel: 3, padding: 1)
        var down: [([ResnetBlock], Conv2d?)] = []
        var outC = ch[0]
        for i in ch.indices {
            let inC = outC
            outC = ch[i]
            let resnets = try (0..<config.layersPerBlock).map {
                try ResnetBlock(p, "encoder.down_blocks.\(i).resnets.\($0)", inC: $0 == 0 ? inC : outC, outC: outC, timeDim: nil, groups: g, eps: 1e-6)
            }
            let ds = i < ch.count - 1 ? try Conv2d(p, "encoder.down_blocks.\(i).downsamplers.0.conv", outC, outC, kernel: 3, stride: 2) : nil
            down.append((resnets, ds))
        }
        encDown = down
        encMid = try Mid(p, "encoder.mid_block", ch.last!, groups: g)
        encNorm = try GroupNorm(p, "encoder.conv_norm_out", ch.last!, groups: g, eps: 1e-6)
        encConvOut = try Conv2d(p, "encoder.conv_out", ch.last!, 2 * z, kernel: 3, padding: 1)
        quantConv = weights.contains("quant_conv.weight") ? try Conv2d(p, "quant_conv", 2 * z, 2 * z, kernel: 1) : nil
        postQuantConv = weights.contains("post_quant_conv.weight") ? try Conv2d(p, "post_quant_conv", z, z, kernel: 1) : nil

        let rev = Array(ch.reversed())
        decConvIn = try Conv2d(p, "decoder.conv_in", z, rev[0], kernel: 3, padding: 1)
        decMid = try Mid(p, "decoder.mid_block", rev[0], groups: g)
        var up: [([ResnetBlock], Conv2d?)] = []
        var upOut = rev[0]
        for i in rev.indices {
            let prev = upOut
            upOut = rev[i]
            let resnets = try (0...config.layersPerBlock).map {
                try ResnetBlock(p, "decoder.up_blocks.\(i).resnets.\($0)", inC: $0 == 0 ? prev : upOut, outC: upOut, timeDim: nil, groups: g, eps: 1e-6)
            }
            let us = i < rev.count - 1 ? try Conv2d(p, "decoder.up_blocks.\(i).upsamplers.0.conv", upOut, upOut, kernel: 3, padding: 1) : nil
            up.append((resnets, us))
        }
        decUp = up
        decNorm = try GroupNorm(p, "decoder.conv_norm_out", ch[0], groups: g, eps: 1e-6)
        decConvOut = try Conv2d(p, "decoder.conv_out", ch[0], config.outChannels, kernel: 3, padding: 1)
    }

    /// Reads `config.json` and `diffusion_pytorch_model.safetensors` (or `.fp16`) from a folder.
    public convenience init(folder: URL) throws {
        let config = try ConfigFile.read(VAEConfig.self, from: folder.appendingPathComponent("config.json"))
        try self.init(config: config, weights: WeightStore(path: WeightStore.file(in: folder, named: "diffusion_pytorch_model").path))
    }

    /// The latent distribution's mean and log-variance (clamped to [−30, 20]), unscaled.
    public func encodeMoments(_ image: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        var x = encConvIn(image)
        for (resnets, ds) in encDown {
            for r in resnets { x = r(x, nil) }
            // diffusers pads right and bottom by one, then a stride-2 convolution without padding
            if let ds { x = ds(x.padded(top: 0, bottom: 1, left: 0, right: 1)) }
        }
        x = encConvOut(encNorm(encMid(x)).silu())
        if let quantConv { x = quantConv(x) }
        let parts = x.chunk(2, axis: 1)
        return (parts[0], parts[1].clamped(-30, 20))
    }

    /// Scaled latents: the distribution's mode, or a sample when `rng` is given.
    public func encode<R: RandomSource>(_ image: Tensor, sample rng: inout R?) -> Tensor {
        let (mean, logVar) = encodeMoments(image)
        var z = mean
        if rng != nil {
            let std = GradMode.disabled { (logVar * 0.5).exp() }
            z = mean + std * Tensor.randn(mean.shape, using: &rng!)
        }
        return z * Float(config.scalingFactor)
    }

    /// Pixels per latent along each side.
    public var scaleFactor: Int { 1 << (config.blockOutChannels.count - 1) }

    /// Images [N, 3, H, W] in [−1, 1] as this VAE gives them back (encoded to the mode,
    /// `perturb`ed if given, decoded), clamped and rounded to 8-bit levels as a saved picture is.
    public func roundTrip(_ images: Tensor, perturb: ((Tensor) -> Tensor)? = nil) -> Tensor {
        GradMode.disabled {
            let latents = encodeMoments(images).mean * Float(config.scalingFactor)
            let out = decode(perturb.map { $0(latents) } ?? latents).clamped(-1, 1)
            for i in 0..<out.count { out.data[i] = ((out.data[i] + 1) * 127.5).rounded() / 127.5 - 1 }
            return out
        }
    }

    /// Pixels in about [−1, 1] from scaled latents.
    public func decode(_ latents: Tensor) -> Tensor { decodeHead(decodeFeatures(latents)) }

    /// The decoder up to its output norm: [N, blockOutChannels[0], H, W] features, which
    /// other heads than the image's may read (the layered autoencoder's composite head).
    public func decodeFeatures(_ latents: Tensor) -> Tensor {
        var x = latents * Float(1 / config.scalingFactor)
        if let postQuantConv { x = postQuantConv(x) }
        x = decMid(decConvIn(x))
        for (resnets, us) in decUp {
            for r in resnets { x = r(x, nil) }
            if let us { x = us(x.upsampleNearest2x()) }
        }
        return x
    }

    /// The decoder's output norm and convolution on `decodeFeatures`.
    public func decodeHead(_ features: Tensor) -> Tensor { decConvOut(decNorm(features).silu()) }
}
