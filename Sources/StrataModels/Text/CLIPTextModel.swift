// CLIP's text transformer (transformers' CLIPTextModel): token and position
// embeddings, pre-norm layers of causal self-attention and an MLP, a final layer norm.
import Foundation
import StrataTensor

public final class CLIPTextModel {
    public let config: CLIPTextConfig
    /// Every parameter, by checkpoint name.
    public let parameters: ParameterRegistry

    struct Layer {
        let norm1: LayerNorm, q: Linear, k: Linear, v: Linear, out: Linear
        let norm2: LayerNorm, fc1: Linear, fc2: Linear
    }

    let tokenEmbedding: Tensor, positionEmbedding: Tensor
    let layers: [Layer]
    let finalNorm: LayerNorm

    /// Loads weights under transformers' names: `text_model.…` in Stable Diffusion
    /// checkpoints and transformers 4, without the prefix in transformers 5.
    public init(config: CLIPTextConfig, weights: WeightStore) throws {
        self.config = config
        let root = weights.contains("text_model.embeddings.token_embedding.weight") ? "text_model." : ""
        let d = config.hiddenSize, eps = Float(config.layerNormEps)
        let p = ParameterRegistry(weights)
        parameters = p
        func linear(_ name: String, _ outF: Int, _ inF: Int) throws -> Linear { try Linear(p, name, inF, outF) }
        func norm(_ name: String) throws -> LayerNorm { try LayerNorm(p, name, d, eps: eps) }
        tokenEmbedding = try p.load(root + "embeddings.token_embedding.weight", [config.vocabSize, d])
        positionEmbedding = try p.load(root + "embeddings.position_embedding.weight", [config.maxPositionEmbeddings, d])
        layers = try (0..<config.numHiddenLayers).map { i in
            let p = root + "encoder.layers.\(i)."
            return Layer(norm1: try norm(p + "layer_norm1"),
                         q: try linear(p + "self_attn.q_proj", d, d), k: try linear(p + "self_attn.k_proj", d, d),
                         v: try linear(p + "self_attn.v_proj", d, d), out: try linear(p + "self_attn.out_proj", d, d),
                         norm2: try norm(p + "layer_norm2"),
                         fc1: try linear(p + "mlp.fc1", config.intermediateSize, d), fc2: try linear(p + "mlp.fc2", d, config.intermediateSize))
        }
        finalNorm = try norm(root + "final_layer_norm")
    }

    /// Reads `config.json` and `model.safetensors` (or its `.fp16` variant) from a folder.
    public convenience init(folder: URL) throws {
        let config = try ConfigFile.read(CLIPTextConfig.self, from: folder.appendingPathComponent("config.json"))
        try self.init(config: config, weights: WeightStore(path: WeightStore.file(in: folder, named: "model").path))
    }

    /// Text states [texts, 77, width] for prompts, tokenized and padded as diffusers does;
    /// no gradient.
    public func encode(_ texts: [String], tokenizer: CLIPTokenizer, clipSkip: Int = 0) -> Tensor {
        let ids = texts.map { tokenizer.encodePadded($0, length: config.maxPositionEmbeddings) }
        return GradMode.disabled { self(ids, clipSkip: clipSkip) }
    }

    /// Hidden states [batch, tokens, hidden] for token ids [batch][tokens]. `clipSkip` n > 0
    /// takes the output of the n-th layer from the end (and then the final layer norm),
    /// as diffusers' `clip_skip`.
    public func callAsFunction(_ ids: [[Int]], clipSkip: Int = 0) -> Tensor {
        let b = ids.count, n = ids[0].count, d = config.hiddenSize, heads = config.numAttentionHeads
        precondition(n <= config.maxPositionEmbeddings, "CLIPTextModel: \(n) tokens exceed the model's \(config.maxPositionEmbeddings) positions")
        var x = Tensor.embedding(tokenEmbedding, indices: ids.flatMap { $0 }, indexShape: [b, n])
            + positionEmbedding.slice(axis: 0, 0..<n)
        let lastLayer = config.numHiddenLayers - clipSkip
        for layer in layers.prefix(lastLayer) {
            let h = layer.norm1(x)
            func split(_ t: Tensor) -> Tensor { t.reshaped([b, n, heads, d / heads]).permuted([0, 2, 1, 3]) }
            let a = Tensor.attention(split(layer.q(h)), split(layer.k(h)), split(layer.v(h)), causal: true)
            x = x + layer.out(a.permuted([0, 2, 1, 3]).reshaped([b, n, d]))
            let m = layer.fc1(layer.norm2(x))
            let act: Tensor
            switch config.hiddenAct {
            case "quick_gelu": act = m.quickGELU()
            case "gelu_new", "gelu_pytorch_tanh": act = m.gelu(.tanh)
            default: act = m.gelu(.erf)
            }
            x = x + layer.fc2(act)
        }
        return finalNorm(x)
    }
}
