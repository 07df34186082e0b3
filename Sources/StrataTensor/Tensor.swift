// StrataTensor: the engine under everything Strata computes.
//
// Decisions made once, here:
// - Values are fp32. Storage is always contiguous and row-major; `strides` are the
//   row-major strides of `shape`. Operations that rearrange data (permute, slice,
//   concat) copy into a new contiguous buffer, so every kernel reads dense memory and
//   needs no stride logic. fp16 and bf16 exist only as storage formats (`HalfPrecision`).
// - Image tensors are NCHW, as PyTorch and diffusers store weights, so checkpoints load
//   without transposes. Sequences are [batch, tokens, channels].
// - Threading: OpenBLAS runs matrix products with `Engine.threads` threads (set
//   explicitly at start-up, 2 on this machine); element-wise, normalisation and
//   attention kernels split their outer loop across the same number of threads with
//   `Parallel.forEach`. Nothing else starts threads.
// - Memory: buffers are 64-byte aligned and come from `BufferPool`, which keeps freed
//   buffers by size so the same shapes in the next step reuse them instead of paying
//   for fresh pages. Inference under `GradMode.disabled` records nothing, so each
//   intermediate is released as soon as the next operation has read it.

import CStrata

/// An n-dimensional array of fp32 values that can take part in reverse-mode autograd.
public final class Tensor {
    public let shape: [Int]
    public let storage: Storage
    /// Whether gradients flow to this tensor (leaf parameters and everything computed from them).
    public internal(set) var requiresGrad: Bool
    /// The accumulated gradient of a leaf tensor after `backward()`.
    public var grad: Tensor?
    /// The operation that produced this tensor, when it was recorded for autograd.
    package var node: Node?
    /// Called once this leaf's gradient is complete during a backward pass
    /// (lets an optimiser update a parameter and free its gradient early).
    public var onGradientReady: ((Tensor) -> Void)?

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var strides: [Int] { Tensor.rowMajorStrides(shape) }
    public var data: UnsafeMutablePointer<Float> { storage.pointer }

    public init(storage: Storage, shape: [Int], requiresGrad: Bool = false) {
        precondition(storage.count == Tensor.elementCount(shape),
                     "Tensor: storage of \(storage.count) values does not fit shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.requiresGrad = requiresGrad
    }

    /// A tensor of zeros.
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        let s = Storage(count: Tensor.elementCount(shape))
        s.pointer.update(repeating: 0, count: s.count)
        self.init(storage: s, shape: shape, requiresGrad: requiresGrad)
    }

    /// A tensor filled with one value.
    public convenience init(repeating value: Float, shape: [Int], requiresGrad: Bool = false) {
        let s = Storage(count: Tensor.elementCount(shape))
        s.pointer.update(repeating: value, count: s.count)
        self.init(storage: s, shape: shape, requiresGrad: requiresGrad)
    }

    /// A tensor holding a copy of `values`.
    public convenience init(_ values: [Float], shape: [Int], requiresGrad: Bool = false) {
        precondition(values.count == Tensor.elementCount(shape),
                     "Tensor: \(values.count) values do not fit shape \(shape)")
        let s = Storage(count: values.count)
        values.withUnsafeBufferPointer { s.pointer.update(from: $0.baseAddress!, count: values.count) }
        self.init(storage: s, shape: shape, requiresGrad: requiresGrad)
    }

    /// A scalar (rank 0) tensor.
    public convenience init(scalar: Float) {
        self.init([scalar], shape: [])
    }

    /// An uninitialised tensor for kernels that write every element.
    package static func empty(_ shape: [Int]) -> Tensor {
        Tensor(storage: Storage(count: elementCount(shape)), shape: shape)
    }

    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }

    public var item: Float {
        precondition(count == 1, "item: tensor of shape \(shape) holds \(count) values, not one")
        return data[0]
    }

    /// This tensor's values without its history: a leaf sharing the same storage.
    public func detached() -> Tensor { Tensor(storage: storage, shape: shape) }

    /// A deep copy, detached.
    public func copy() -> Tensor {
        let t = Tensor.empty(shape)
        t.data.update(from: data, count: count)
        return t
    }

    /// Marks a leaf as a parameter whose gradient is wanted.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        precondition(node == nil, "requiringGrad: only a leaf tensor can be made to require a gradient")
        requiresGrad = flag
        return self
    }

    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    public static func rowMajorStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format4($0)) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(shown)\(count > 8 ? ", …" : "")])"
    }
}

private func format4(_ x: Float) -> String {
    let r = (Double(x) * 10000).rounded() / 10000
    return "\(r)"
}
