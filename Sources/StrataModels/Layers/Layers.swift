// The small building blocks every model shares, each loaded by its checkpoint name
// (`name.weight`, `name.bias`) with the shape the model expects.
import StrataTensor

/// Every parameter a model loaded, by checkpoint name, for training and saving.
public final class ParameterRegistry {
    public private(set) var tensors: [(name: String, tensor: Tensor)] = []
    let weights: WeightStore
    /// Low-rank adapters of the model being built, by linear layer name: each layer takes
    /// its own when it is built (a model with adapters is a model of its own:
    /// `UNet2DConditionModel.with(_:)`).
    public let adapters: [String: LowRankAdapter]

    public init(_ weights: WeightStore, adapters: [String: LowRankAdapter] = [:]) { self.weights = weights; self.adapters = adapters }

    /// How many numbers the registered tensors hold.
    public var elementCount: Int { tensors.reduce(0) { $0 + $1.tensor.count } }

    public func load(_ name: String, _ shape: [Int]) throws -> Tensor {
        let t = try weights.tensor(name, shape)
        tensors.append((name, t))
        return t
    }

    func loadOptional(_ name: String, _ shape: [Int]) throws -> Tensor? {
        weights.contains(name) ? try load(name, shape) : nil
    }
}

public struct Linear {
    let weight: Tensor, bias: Tensor?
    /// A LoRA update beside the frozen weight, when the model was built with one.
    let adapter: LowRankAdapter?
    public init(_ p: ParameterRegistry, _ name: String, _ inF: Int, _ outF: Int, bias: Bool = true) throws {
        weight = try p.load(name + ".weight", [outF, inF])
        self.bias = bias ? try p.load(name + ".bias", [outF]) : try p.loadOptional(name + ".bias", [outF])
        adapter = p.adapters[name]
    }
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let y = x.linear(weight, bias)
        guard let adapter else { return y }
        return y + adapter(x)
    }
}

/// LoRA: a trainable low-rank update (scale · up · down) beside a frozen linear layer.
/// `up` starts at zero, so an attached adapter changes nothing until it is trained.
public final class LowRankAdapter {
    public let down: Tensor, up: Tensor
    public let scale: Float

    public init(down: Tensor, up: Tensor, scale: Float) { self.down = down; self.up = up; self.scale = scale }

    public convenience init<R: RandomSource>(inFeatures: Int, outFeatures: Int, rank: Int, alpha: Float, rng: inout R) {
        let down = Tensor(zeros: [rank, inFeatures])
        let bound = 1 / Float(inFeatures).squareRoot()
        for i in 0..<down.count { down.data[i] = (rng.nextUniform() * 2 - 1) * bound }
        self.init(down: down, up: Tensor(zeros: [outFeatures, rank]), scale: alpha / Float(rank))
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.linear(down, nil).linear(up, nil) * scale }
}

public struct LayerNorm {
    let weight: Tensor, bias: Tensor, eps: Float
    public init(_ p: ParameterRegistry, _ name: String, _ d: Int, eps: Float) throws {
        weight = try p.load(name + ".weight", [d]); bias = try p.load(name + ".bias", [d]); self.eps = eps
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }
}

public struct GroupNorm {
    let weight: Tensor, bias: Tensor, groups: Int, eps: Float
    public init(_ p: ParameterRegistry, _ name: String, _ c: Int, groups: Int, eps: Float) throws {
        weight = try p.load(name + ".weight", [c]); bias = try p.load(name + ".bias", [c])
        self.groups = groups; self.eps = eps
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.groupNorm(groups: groups, weight: weight, bias: bias, eps: eps) }
}

public struct Conv2d {
    let weight: Tensor, bias: Tensor?, stride: Int, padding: Int
    public init(_ p: ParameterRegistry, _ name: String, _ inC: Int, _ outC: Int, kernel: Int, stride: Int = 1, padding: Int = 0) throws {
        weight = try p.load(name + ".weight", [outC, inC, kernel, kernel])
        bias = try p.loadOptional(name + ".bias", [outC])
        self.stride = stride; self.padding = padding
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.conv2d(weight, bias, stride: stride, padding: padding) }
}
