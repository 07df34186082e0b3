// unet/config.json (diffusers' UNet2DConditionModel), the Stable Diffusion 1.x subset.
import Foundation

public struct UNetConfig: Codable, Equatable {
    public var inChannels = 4
    public var outChannels = 4
    public var blockOutChannels = [320, 640, 1280, 1280]
    public var layersPerBlock = 2
    public var downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
    public var upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
    /// Heads per block. SD 1.x configs call this `attention_head_dim` (diffusers reads it as
    /// the number of heads when `num_attention_heads` is absent).
    public var attentionHeads = [8, 8, 8, 8]
    public var crossAttentionDim = 768
    public var normNumGroups = 32
    public var normEps: Double = 1e-5
    public var useLinearProjection = false
    public var flipSinToCos = true
    public var freqShift: Double = 0
    public var sampleSize = 64

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", blockOutChannels = "block_out_channels"
        case layersPerBlock = "layers_per_block", downBlockTypes = "down_block_types", upBlockTypes = "up_block_types"
        case attentionHeadDim = "attention_head_dim", numAttentionHeads = "num_attention_heads"
        case crossAttentionDim = "cross_attention_dim", normNumGroups = "norm_num_groups", normEps = "norm_eps"
        case useLinearProjection = "use_linear_projection", flipSinToCos = "flip_sin_to_cos", freqShift = "freq_shift"
        case sampleSize = "sample_size", midBlockType = "mid_block_type", transformerLayers = "transformer_layers_per_block"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = UNetConfig()
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? d.inChannels
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? d.outChannels
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? d.blockOutChannels
        layersPerBlock = try c.decodeIfPresent(Int.self, forKey: .layersPerBlock) ?? d.layersPerBlock
        downBlockTypes = try c.decodeIfPresent([String].self, forKey: .downBlockTypes) ?? d.downBlockTypes
        upBlockTypes = try c.decodeIfPresent([String].self, forKey: .upBlockTypes) ?? d.upBlockTypes
        crossAttentionDim = try c.decodeIfPresent(Int.self, forKey: .crossAttentionDim) ?? d.crossAttentionDim
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? d.normNumGroups
        normEps = try c.decodeIfPresent(Double.self, forKey: .normEps) ?? d.normEps
        useLinearProjection = try c.decodeIfPresent(Bool.self, forKey: .useLinearProjection) ?? false
        flipSinToCos = try c.decodeIfPresent(Bool.self, forKey: .flipSinToCos) ?? true
        freqShift = try c.decodeIfPresent(Double.self, forKey: .freqShift) ?? 0
        sampleSize = try c.decodeIfPresent(Int.self, forKey: .sampleSize) ?? d.sampleSize
        func perBlock(_ key: CodingKeys) throws -> [Int]? {
            if let v = try? c.decodeIfPresent(Int.self, forKey: key) { return [Int](repeating: v, count: blockOutChannels.count) }
            return try? c.decodeIfPresent([Int].self, forKey: key)
        }
        attentionHeads = try perBlock(.numAttentionHeads) ?? perBlock(.attentionHeadDim) ?? [Int](repeating: 8, count: blockOutChannels.count)
        if let mid = try c.decodeIfPresent(String.self, forKey: .midBlockType), mid != "UNetMidBlock2DCrossAttn" {
            throw DecodingError.dataCorruptedError(forKey: .midBlockType, in: c, debugDescription: "mid block \(mid) is not supported (Stable Diffusion 1.x uses UNetMidBlock2DCrossAttn)")
        }
        if let layers = try? c.decodeIfPresent(Int.self, forKey: .transformerLayers), layers != 1 {
            throw DecodingError.dataCorruptedError(forKey: .transformerLayers, in: c, debugDescription: "\(layers) transformer layers per block are not supported (Stable Diffusion 1.x uses 1)")
        }
        for t in downBlockTypes + upBlockTypes where !["CrossAttnDownBlock2D", "DownBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"].contains(t) {
            throw DecodingError.dataCorruptedError(forKey: .downBlockTypes, in: c, debugDescription: "block type \(t) is not supported")
        }
        let check = ConfigCheck(container: c), n = blockOutChannels.count
        try check.range(inChannels, 1...64, .inChannels); try check.range(outChannels, 1...64, .outChannels)
        try check.ranges(blockOutChannels, 1...4096, count: 1...8, .blockOutChannels)
        try check.range(layersPerBlock, 1...8, .layersPerBlock)
        try check.require(downBlockTypes.count == n, .downBlockTypes, "has \(downBlockTypes.count) entries for \(n) blocks")
        try check.require(upBlockTypes.count == n, .upBlockTypes, "has \(upBlockTypes.count) entries for \(n) blocks")
        let headsKey: CodingKeys = c.contains(.numAttentionHeads) ? .numAttentionHeads : .attentionHeadDim
        try check.ranges(attentionHeads, 1...128, count: n...n, headsKey)
        for (channels, heads) in zip(blockOutChannels, attentionHeads) {
            try check.require(channels % heads == 0, headsKey, "has \(heads) heads for \(channels) channels, which they do not divide")
        }
        try check.range(crossAttentionDim, 1...8192, .crossAttentionDim)
        try check.range(normNumGroups, 1...blockOutChannels.min()!, .normNumGroups)
        try check.divisible(blockOutChannels, by: normNumGroups, .blockOutChannels)
        try check.positive(normEps, below: 1, .normEps)
        try check.finite(freqShift, .freqShift)
        try check.range(sampleSize, 1...1024, .sampleSize)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inChannels, forKey: .inChannels); try c.encode(outChannels, forKey: .outChannels)
        try c.encode(blockOutChannels, forKey: .blockOutChannels); try c.encode(layersPerBlock, forKey: .layersPerBlock)
        try c.encode(downBlockTypes, forKey: .downBlockTypes); try c.encode(upBlockTypes, forKey: .upBlockTypes)
        try c.encode(attentionHeads, forKey: .attentionHeadDim); try c.encode(crossAttentionDim, forKey: .crossAttentionDim)
        try c.encode(normNumGroups, forKey: .normNumGroups); try c.encode(normEps, forKey: .normEps)
        try c.encode(useLinearProjection, forKey: .useLinearProjection); try c.encode(flipSinToCos, forKey: .flipSinToCos)
        try c.encode(freqShift, forKey: .freqShift); try c.encode(sampleSize, forKey: .sampleSize)
    }
}
