// text_encoder/config.json (transformers' CLIPTextConfig).
import Foundation

public struct CLIPTextConfig: Codable, Equatable {
    public var vocabSize = 49408
    public var hiddenSize = 768
    public var intermediateSize = 3072
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var maxPositionEmbeddings = 77
    /// "quick_gelu" (OpenAI CLIP), "gelu" or "gelu_new".
    public var hiddenAct = "quick_gelu"
    public var layerNormEps: Double = 1e-5

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", intermediateSize = "intermediate_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case maxPositionEmbeddings = "max_position_embeddings", hiddenAct = "hidden_act", layerNormEps = "layer_norm_eps"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CLIPTextConfig()
        vocabSize = try c.decodeIfPresent(Int.self, forKey: .vocabSize) ?? d.vocabSize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? d.hiddenSize
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? d.intermediateSize
        numHiddenLayers = try c.decodeIfPresent(Int.self, forKey: .numHiddenLayers) ?? d.numHiddenLayers
        numAttentionHeads = try c.decodeIfPresent(Int.self, forKey: .numAttentionHeads) ?? d.numAttentionHeads
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? d.maxPositionEmbeddings
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? d.hiddenAct
        layerNormEps = try c.decodeIfPresent(Double.self, forKey: .layerNormEps) ?? d.layerNormEps
        let check = ConfigCheck(container: c)
        try check.range(vocabSize, 1...1_000_000, .vocabSize)
        try check.range(hiddenSize, 1...8192, .hiddenSize)
        try check.range(intermediateSize, 1...65536, .intermediateSize)
        try check.range(numHiddenLayers, 1...64, .numHiddenLayers)
        try check.range(numAttentionHeads, 1...128, .numAttentionHeads)
        try check.require(hiddenSize % numAttentionHeads == 0, .numAttentionHeads,
                          "is \(numAttentionHeads), which does not divide hidden_size \(hiddenSize)")
        try check.range(maxPositionEmbeddings, 1...4096, .maxPositionEmbeddings)
        try check.positive(layerNormEps, below: 1, .layerNormEps)
    }
}
