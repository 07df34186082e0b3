// Reshape, permute, concat, split and slice. Storage stays contiguous: all but
// reshape copy.

extension Tensor {
    /// The same values with a new shape; one dimension may be -1.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "reshape: cannot reshape \(shape) into \(newShape)")
            s[i] = count / known
        }
        precondition(Tensor.elementCount(s) == count, "reshape: cannot reshape \(shape) (\(count) values) into \(newShape)")
        let out = Tensor(storage: storage, shape: s)
        let original = shape
        return Tensor.record("reshape", out, inputs: [self]) { g in [g.reshapedDetached(original)] }
    }

    func reshapedDetached(_ s: [Int]) -> Tensor { Tensor(storage: storage, shape: s) }

    /// Reorders dimensions: result dimension i is this tensor's dimension `order[i]`.
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.count == rank && Set(order) == Set(0..<rank),
                     "permute: \(order) is not a permutation of the \(rank) dimensions of \(shape)")
        let out = Tensor.empty(order.map { shape[$0] })
        Kernels.permute(data, shape: shape, order: order, out.data)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Tensor.record("permute", out, inputs: [self]) { g in
            let dx = Tensor.empty(inverse.map { g.shape[$0] })
            Kernels.permute(g.data, shape: g.shape, order: inverse, dx.data)
            return [dx]
        }
    }

    /// Swaps the last two dimensions.
    public func transposedLast() -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(rank - 1, rank - 2)
        return permuted(order)
    }

    /// Elements `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = normalise(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice: range \(range) outside dimension \(ax) of \(shape)")
        let outer = shape[..<ax].reduce(1, *), inner = shape[(ax + 1)...].reduce(1, *)
        var s = shape; s[ax] = range.count
        let out = Tensor.empty(s)
        let src = data, dst = out.data, full = shape[ax], n = range.count
        for o in 0..<outer {
            (dst + o * n * inner).update(from: src + (o * full + range.lowerBound) * inner, count: n * inner)
        }
        let original = shape
        return Tensor.record("slice", out, inputs: [self]) { g in
            let dx = Tensor(zeros: original)
            let gp = g.data, d = dx.data
            for o in 0..<outer {
                (d + (o * full + range.lowerBound) * inner).update(from: gp + o * n * inner, count: n * inner)
            }
            return [dx]
        }
    }

    /// Splits along `axis` into pieces of the given sizes.
    public func split(axis: Int, sizes: [Int]) -> [Tensor] {
        let ax = normalise(axis)
        precondition(sizes.reduce(0, +) == shape[ax], "split: sizes \(sizes) do not add up to dimension \(ax) of \(shape)")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return slice(axis: ax, start..<(start + n))
        }
    }

    /// Splits along `axis` into `parts` equal pieces.
    public func chunk(_ parts: Int, axis: Int) -> [Tensor] {
        let ax = normalise(axis)
        precondition(shape[ax] % parts == 0, "chunk: dimension \(ax) of \(shape) does not split into \(parts)")
        return split(axis: ax, sizes: [Int](repeating: shape[ax] / parts, count: parts))
    }

    /// Joins tensors along `axis`; all other dimensions must agree.
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat: no tensors given")
        let ax = parts[0].normalise(axis)
        for p in parts {
            precondition(p.rank == parts[0].rank && (0..<p.rank).allSatisfy { $0 == ax || p.shape[$0] == parts[0].shape[$0] },
                         "concat: shapes \(parts[0].shape) and \(p.shape) differ outside dimension \(ax)")
        }
        var s = parts[0].shape
        s[ax] = parts.map { $0.shape[ax] }.reduce(0, +)
        let outer = s[..<ax].reduce(1, *), inner = s[(ax + 1)...].reduce(1, *)
        let out = Tensor.empty(s)
        var offset = 0
        for p in parts {
            let n = p.shape[ax]
            for o in 0..<outer {
                (out.data + (o * s[ax] + offset) * inner).update(from: p.data + o * n * inner, count: n * inner)
            }
            offset += n
        }
        let sizes = parts.map { $0.shape[ax] }
        return record("concat", out, inputs: parts) { g in
            GradMode.disabled { g.split(axis: ax, sizes: sizes) }
        }
    }

    func normalise(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
        return a
    }
}

extension Kernels {
    /// out = permute(x, order) for a contiguous x. Loops over the output in order,
    /// with the input's innermost moving dimension in the inner loop.
    static func permute(_ x: UnsafePointer<Float>, shape: [Int], order: [Int], _ out: UnsafeMutablePointer<Float>) {
        let r = shape.count
        let inStrides = Tensor.rowMajorStrides(shape)
        let outShape = order.map { shape[$0] }
        let src = order.map { inStrides[$0] }
        let total = outShape.reduce(1, *)
        if r == 0 || total == 0 { if total == 1 { out[0] = x[0] }; return }
        let inner = outShape[r - 1], innerStride = src[r - 1]
        let rows = total / inner
        Parallel.forEach(rows, grain: max(1, 16384 / inner)) { rs in
            for row in rs {
                var rem = row, off = 0
                var i = r - 2
                while i >= 0 { off += (rem % outShape[i]) * src[i]; rem /= outShape[i]; i -= 1 }
                let o = out + row * inner
                if innerStride == 1 { o.update(from: x + off, count: inner) }
                else { for j in 0..<inner { o[j] = x[off + j * innerStride] } }
            }
        }
    }
}
