// vae/config.json (diffusers' AutoencoderKL).
import Foundation

public struct VAEConfig: Codable, Equatable {
    public var inChannels = 3
    public var outChannels = 3
    public var latentChannels = 4
    public var blockOutChannels = [128, 256, 512, 512]
    public var layersPerBlock = 2
    public var normNumGroups = 32
    public var scalingFactor: Double = 0.18215
    public var sampleSize = 512

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", latentChannels = "latent_channels"
        case blockOutChannels = "block_out_channels", layersPerBlock = "layers_per_block", normNumGroups = "norm_num_groups"
        case scalingFactor = "scaling_factor", sampleSize = "sample_size"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = VAEConfig()
        inChannels = try c.decodeIfPresent(Int.self, forKey: .inChannels) ?? d.inChannels
        outChannels = try c.decodeIfPresent(Int.self, forKey: .outChannels) ?? d.outChannels
        latentChannels = try c.decodeIfPresent(Int.self, forKey: .latentChannels) ?? d.latentChannels
        blockOutChannels = try c.decodeIfPresent([Int].self, forKey: .blockOutChannels) ?? d.blockOutChannels
        layersPerBlock = try c.decodeIfPresent(Int.self, forKey: .layersPerBlock) ?? d.layersPerBlock
        normNumGroups = try c.decodeIfPresent(Int.self, forKey: .normNumGroups) ?? d.normNumGroups
        scalingFactor = try c.decodeIfPresent(Double.self, forKey: .scalingFactor) ?? d.scalingFactor
        sampleSize = (try? c.decodeIfPresent(Int.self, forKey: .sampleSize)) ?? d.sampleSize
        let check = ConfigCheck(container: c)
        try check.range(inChannels, 1...64, .inChannels); try check.range(outChannels, 1...64, .outChannels)
        try check.range(latentChannels, 1...64, .latentChannels)
        try check.ranges(blockOutChannels, 1...4096, count: 1...8, .blockOutChannels)
        try check.range(layersPerBlock, 1...8, .layersPerBlock)
        try check.range(normNumGroups, 1...blockOutChannels.min()!, .normNumGroups)
        try check.divisible(blockOutChannels, by: normNumGroups, .blockOutChannels)
        try check.positive(scalingFactor, .scalingFactor)
        try check.range(sampleSize, 1...8192, .sampleSize)
    }
}
