// diffusers' UNet2DConditionModel for Stable Diffusion 1.x: sinusoidal time embedding
// and MLP, down blocks (ResNets, optional cross-attention transformers, stride-2
// downsampling), a mid block (ResNet, transformer, ResNet), up blocks that concatenate
// the skip activations, and GroupNorm, SiLU, 3×3 conv out. Built from config.json,
// weights under diffusers' names.
import Foundation
import StrataTensor

public final class UNet2DConditionModel {
    public let config: UNetConfig
    /// Every parameter, by diffusers name.
    public let parameters: ParameterRegistry
    /// Recompute each ResNet and transformer during backward instead of keeping its
    /// activations (for fine-tuning within memory).
    public var gradientCheckpointing = false

    struct Stage {
        var resnets: [ResnetBlock]
        var attentions: [SpatialTransformer]
        var resample: Conv2d?
    }

    let convIn: Conv2d, timeLinear1: Linear, timeLinear2: Linear
    let down: [Stage], up: [Stage]
    let midResnets: [ResnetBlock], midAttention: SpatialTransformer
    let normOut: GroupNorm, convOut: Conv2d

    /// `adapters`: LoRA updates for linear layers, by name (see `with(_:)`).
    public init(config: UNetConfig, weights: WeightStore, adapters: [String: LowRankAdapter] = [:]) throws {
        self.config = config
        let p = ParameterRegistry(weights, adapters: adapters)
        parameters = p
        let ch = config.blockOutChannels, groups = config.normNumGroups, eps = Float(config.normEps)
        let timeDim = ch[0] * 4
        convIn = try Conv2d(p, "conv_in", config.inChannels, ch[0], kernel: 3, padding: 1)
        timeLinear1 = try Linear(p, "time_embedding.linear_1", ch[0], timeDim)
        timeLinear2 = try Linear(p, "time_embedding.linear_2", timeDim, timeDim)
        func transformer(_ name: String, _ c: Int, _ heads: Int) throws -> SpatialTransformer {
            try SpatialTransformer(p, name, channels: c, contextDim: config.crossAttentionDim, heads: heads, groups: groups,
                                   linearProjection: config.useLinearProjection)
        }

        var downStages: [Stage] = []
        var outC = ch[0]
        for (i, type) in config.downBlockTypes.enumerated() {
            let inC = outC
            outC = ch[i]
            let name = "down_blocks.\(i)"
            var stage = Stage(resnets: [], attentions: [], resample: nil)
            for j in 0..<config.layersPerBlock {
                stage.resnets.append(try ResnetBlock(p, "\(name).resnets.\(j)", inC: j == 0 ? inC : outC, outC: outC, timeDim: timeDim, groups: groups, eps: eps))
                if type == "CrossAttnDownBlock2D" { stage.attentions.append(try transformer("\(name).attentions.\(j)", outC, config.attentionHeads[i])) }
            }
            if i < ch.count - 1 { stage.resample = try Conv2d(p, "\(name).downsamplers.0.conv", outC, outC, kernel: 3, stride: 2, padding: 1) }
            downStages.append(stage)
        }
        down = downStages

        let midC = ch.last!
        midResnets = try (0..<2).map { try ResnetBlock(p, "mid_block.resnets.\($0)", inC: midC, outC: midC, timeDim: timeDim, groups: groups, eps: eps) }
        midAttention = try transformer("mid_block.attentions.0", midC, config.attentionHeads.last!)

        let reversed = Array(ch.reversed()), reversedHeads = Array(config.attentionHeads.reversed())
        var upStages: [Stage] = []
        var upOut = reversed[0]
        for (i, type) in config.upBlockTypes.enumerated() {
            let prevOut = upOut
            upOut = reversed[i]
            let inC = reversed[min(i + 1, ch.count - 1)]
            let name = "up_blocks.\(i)"
            var stage = Stage(resnets: [], attentions: [], resample: nil)
            let layers = config.layersPerBlock + 1
            for j in 0..<layers {
                let skip = j == layers - 1 ? inC : upOut
                let resIn = j == 0 ? prevOut : upOut
                stage.resnets.append(try ResnetBlock(p, "\(name).resnets.\(j)", inC: resIn + skip, outC: upOut, timeDim: timeDim, groups: groups, eps: eps))
                if type == "CrossAttnUpBlock2D" { stage.attentions.append(try transformer("\(name).attentions.\(j)", upOut, reversedHeads[i])) }
            }
            if i < ch.count - 1 { stage.resample = try Conv2d(p, "\(name).upsamplers.0.conv", upOut, upOut, kernel: 3, padding: 1) }
            upStages.append(stage)
        }
        up = upStages
        normOut = try GroupNorm(p, "conv_norm_out", ch[0], groups: groups, eps: eps)
        convOut = try Conv2d(p, "conv_out", ch[0], config.outChannels, kernel: 3, padding: 1)
    }

    /// Reads `config.json` and `diffusion_pytorch_model.safetensors` (or `.fp16`) from a folder.
    public convenience init(folder: URL) throws {
        let config = try ConfigFile.read(UNetConfig.self, from: folder.appendingPathComponent("config.json"))
        try self.init(config: config, weights: WeightStore(path: WeightStore.file(in: folder, named: "diffusion_pytorch_model").path))
    }

    /// The noise prediction for `sample` [N, C, H, W] at `timesteps` [N] given the text
    /// states `context` [N, tokens, crossAttentionDim].
    static let checkpointingKey = "strata.unet.checkpointing"
    static var checkpointingOnThisThread: Bool? { Thread.current.threadDictionary[checkpointingKey] as? Bool }

    /// Runs `body` with gradient checkpointing on or off in every UNet forward pass it makes
    /// on this thread, whatever `gradientCheckpointing` says: a choice per call, which
    /// leaves a model that other threads use as it is.
    public static func withCheckpointing<T>(_ on: Bool, _ body: () throws -> T) rethrows -> T {
        let dictionary = Thread.current.threadDictionary
        let before = dictionary[checkpointingKey]
        dictionary[checkpointingKey] = on
        defer { dictionary[checkpointingKey] = before }
        return try body()
    }

    public func callAsFunction(_ sample: Tensor, timesteps: Tensor, context: Tensor) -> Tensor {
        precondition(sample.rank == 4 && sample.shape[1] == config.inChannels,
                     "UNet: sample \(sample.shape) must be [N, \(config.inChannels), H, W]")
        precondition(context.rank == 3 && context.shape[0] == sample.shape[0] && context.shape[2] == config.crossAttentionDim,
                     "UNet: context \(context.shape) must be [\(sample.shape[0]), tokens, \(config.crossAttentionDim)]")
        let factor = 1 << (config.blockOutChannels.count - 1)
        precondition(sample.shape[2] % factor == 0 && sample.shape[3] % factor == 0,
                     "UNet: sample size \(sample.shape[2])×\(sample.shape[3]) must be a multiple of \(factor)")
        let emb = Tensor.timestepEmbedding(timesteps, dim: config.blockOutChannels[0], flipSinToCos: config.flipSinToCos,
                                           downscaleFreqShift: Float(config.freqShift))
        let temb = timeLinear2(timeLinear1(emb).silu()).silu()

        let checkpointing = Self.checkpointingOnThisThread ?? gradientCheckpointing
        func resnet(_ r: ResnetBlock, _ x: Tensor) -> Tensor {
            checkpointing ? Tensor.checkpoint([x, temb]) { r($0[0], $0[1]) } : r(x, temb)
        }
        func attend(_ a: SpatialTransformer, _ x: Tensor) -> Tensor {
            checkpointing ? Tensor.checkpoint([x, context]) { a($0[0], context: $0[1]) } : a(x, context: context)
        }

        var x = convIn(sample)
        var skips = [x]
        for stage in down {
            for (j, r) in stage.resnets.enumerated() {
                x = resnet(r, x)
                if j < stage.attentions.count { x = attend(stage.attentions[j], x) }
                skips.append(x)
            }
            if let ds = stage.resample { x = ds(x); skips.append(x) }
        }
        x = resnet(midResnets[0], x)
        x = attend(midAttention, x)
        x = resnet(midResnets[1], x)
        for stage in up {
            for (j, r) in stage.resnets.enumerated() {
                x = resnet(r, Tensor.concat([x, skips.removeLast()], axis: 1))
                if j < stage.attentions.count { x = attend(stage.attentions[j], x) }
            }
            if let us = stage.resample { x = us(x.upsampleNearest2x()) }
        }
        return convOut(normOut(x).silu())
    }
}

extension UNet2DConditionModel {
    /// The attention projections LoRA adapts: to_q, to_k, to_v and to_out.0 of every
    /// self- and cross-attention, by layer name, with (in, out) features.
    public var attentionProjections: [(name: String, inFeatures: Int, outFeatures: Int)] {
        parameters.tensors.compactMap { p in
            guard p.name.hasSuffix(".weight"), p.name.contains(".attn1.") || p.name.contains(".attn2."),
                  ["to_q", "to_k", "to_v", "to_out.0"].contains(where: { p.name.hasSuffix("." + $0 + ".weight") }) else { return nil }
            return (String(p.name.dropLast(".weight".count)), p.tensor.shape[1], p.tensor.shape[0])
        }
    }

    /// Fresh rank-`rank` adapters for every attention projection, by layer name (their
    /// `up` starts at zero, so they change nothing until trained).
    public func loraAdapters(rank: Int, alpha: Float? = nil, seed: UInt64) -> [String: LowRankAdapter] {
        var rng = StrataRandom(seed: seed)
        var adapters: [String: LowRankAdapter] = [:]
        for p in attentionProjections {
            adapters[p.name] = LowRankAdapter(inFeatures: p.inFeatures, outFeatures: p.outFeatures, rank: rank,
                                              alpha: alpha ?? Float(rank), rng: &rng)
        }
        return adapters
    }

    /// This UNet with LoRA adapters: a UNet over the same weight tensors (nothing is
    /// copied) whose linear layers add their adapters. This one is left as it is.
    public func with(_ adapters: [String: LowRankAdapter]) throws -> UNet2DConditionModel {
        let shared = ModelFolderWriter.tensors(parameters)
        return try UNet2DConditionModel(config: config, weights: WeightStore(source: "UNet with adapters", has: { shared[$0] != nil }) { name, _ in
            guard let t = shared[name] else { throw WeightError.missing(name: name, source: "UNet with adapters") }
            return t
        }, adapters: adapters)
    }

    /// The adapters this UNet was built with.
    public var adapters: [String: LowRankAdapter] { parameters.adapters }
}
