// Fresh weights for a model built from its config alone (training from scratch, and
// benchmarks of models whose weights are not on disk), by PyTorch's default rules:
// linear and convolution weights uniform in ±1/√fan_in (kaiming_uniform with a = √5),
// biases zero, norm scales one and shifts zero, embeddings N(0, 0.02²) as CLIP's.
import StrataTensor

public enum WeightInitializer {
    public static func tensor<R: RandomSource>(_ name: String, _ shape: [Int], rng: inout R) -> Tensor {
        if name.hasSuffix("embedding.weight") {
            let t = Tensor.randn(shape, using: &rng)
            for i in 0..<t.count { t.data[i] *= 0.02 }
            return t
        }
        if shape.count == 1 {
            let isNormScale = name.hasSuffix(".weight")
            return Tensor(repeating: isNormScale ? 1 : 0, shape: shape)
        }
        let fanIn = shape.dropFirst().reduce(1, *)
        let bound = 1 / Float(fanIn).squareRoot()
        let t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = (rng.nextUniform() * 2 - 1) * bound }
        return t
    }
}

extension WeightStore {
    /// A store that makes every tensor a model asks for, in the order it asks, from `seed`.
    public static func initialized(seed: UInt64) -> WeightStore {
        var rng = StrataRandom(seed: seed)
        // Optional tensors as diffusers builds SD 1.x: attention query, key and value
        // projections without bias; every other optional tensor present.
        let unbiased = [".to_q.bias", ".to_k.bias", ".to_v.bias"]
        return WeightStore(source: "initialised weights (seed \(seed))", has: { name in !unbiased.contains { name.hasSuffix($0) } }) { name, shape in
            WeightInitializer.tensor(name, shape, rng: &rng)
        }
    }
}

extension WeightStore {
    /// A store over tensors already in memory, copied as they are handed out (to build a
    /// second model from a first one's weights, for fine-tuning that must leave the
    /// first untouched).
    public static func copying(_ tensors: [String: Tensor], source: String) -> WeightStore {
        WeightStore(source: source, has: { tensors[$0] != nil }) { name, shape in
            guard let t = tensors[name] else { preconditionFailure("\(source): no tensor \(name)") }
            let c = t.copy()
            return c.shape == shape ? c : c.reshaped(shape)
        }
    }
}

extension UNet2DConditionModel {
    /// A copy with its own weights.
    public func copy() throws -> UNet2DConditionModel {
        try UNet2DConditionModel(config: config, weights: .copying(ModelFolderWriter.tensors(parameters), source: "copy of a UNet"))
    }
}
