// The small building blocks every model shares, each loaded by its checkpoint name
// (`name.weight`, `name.bias`) with the shape the model expects.
import StrataTensor

/// Every parameter a model loaded, by checkpoint name, for training and saving.
public final class ParameterRegistry {
    public private(set) var tensors: [(name: String, tensor: Tensor)] = []
    let weights: WeightStore

    public init(_ weights: WeightStore) { self.weights = weights }

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
    public init(_ p: ParameterRegistry, _ name: String, _ inF: Int, _ outF: Int, bias: Bool = true) throws {
        weight = try p.load(name + ".weight", [outF, inF])
        self.bias = bias ? try p.load(name + ".bias", [outF]) : try p.loadOptional(name + ".bias", [outF])
    }
    public func callAsFunction(_ x: Tensor) -> Tensor { x.linear(weight, bias) }
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
