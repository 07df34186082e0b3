// NumPy broadcasting: shapes aligned from the right, size-1 dimensions repeat.

struct BroadcastPlan {
    /// Output shape after coalescing adjacent dimensions that broadcast alike.
    let dims: [Int]
    let strideA: [Int]
    let strideB: [Int]
    let outShape: [Int]

    init(_ op: String, _ a: [Int], _ b: [Int]) {
        let r = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: r - a.count) + a
        let pb = [Int](repeating: 1, count: r - b.count) + b
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            guard pa[i] == pb[i] || pa[i] == 1 || pb[i] == 1 else {
                preconditionFailure("\(op): shapes \(a) and \(b) cannot be broadcast together (dimension \(i))")
            }
            out[i] = max(pa[i], pb[i])
        }
        outShape = out
        let sa = BroadcastPlan.strides(pa), sb = BroadcastPlan.strides(pb)
        // Coalesce: merge dim i into the previous one when both operands are either
        // contiguous across the boundary or broadcast on both sides of it.
        var d: [Int] = [], xa: [Int] = [], xb: [Int] = []
        for i in 0..<r where out[i] != 1 {
            let ai = pa[i] == 1 ? 0 : sa[i], bi = pb[i] == 1 ? 0 : sb[i]
            if let last = d.last,
               xa.last! == ai * out[i], xb.last! == bi * out[i] {
                d[d.count - 1] = last * out[i]
                xa[xa.count - 1] = ai
                xb[xb.count - 1] = bi
            } else {
                d.append(out[i]); xa.append(ai); xb.append(bi)
            }
        }
        if d.isEmpty { d = [1]; xa = [0]; xb = [0] }
        dims = d; strideA = xa; strideB = xb
    }

    static func strides(_ s: [Int]) -> [Int] { Tensor.rowMajorStrides(s) }

    var count: Int { dims.reduce(1, *) }
    var inner: Int { dims.last! }
    var rows: Int { count / inner }

    /// Offsets of row `r` (all dims but the last) in A and B.
    @inline(__always)
    func rowOffsets(_ row: Int) -> (Int, Int) {
        var rem = row, oa = 0, ob = 0
        var i = dims.count - 2
        while i >= 0 {
            let idx = rem % dims[i]
            rem /= dims[i]
            oa += idx * strideA[i]; ob += idx * strideB[i]
            i -= 1
        }
        return (oa, ob)
    }
}

extension Tensor {
    /// Sums a broadcast gradient back down to `shape`.
    func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        let plan = BroadcastPlan("sumToShape", shape, target)
        precondition(plan.outShape == shape, "sumToShape: \(target) does not broadcast to \(shape)")
        let out = Tensor(zeros: target)
        let g = data, o = out.data
        let inner = plan.inner, sb = plan.strideB.last!
        for row in 0..<plan.rows {
            let (ga, ob) = plan.rowOffsets(row)
            let src = g + ga
            if sb == 0 {
                o[ob] += Kernels.sum(src, inner)
            } else {
                let dst = o + ob
                for j in 0..<inner { dst[j] += src[j] }
            }
        }
        return out
    }

    /// This tensor repeated to a broadcast-compatible `target` shape.
    public func expanded(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let plan = BroadcastPlan("expand", target, shape)
        precondition(plan.outShape == target, "expand: \(shape) does not broadcast to \(target)")
        let out = Tensor.empty(target)
        let src = data, o = out.data
        let inner = plan.inner, sb = plan.strideB.last!
        for row in 0..<plan.rows {
            let (oa, ob) = plan.rowOffsets(row)
            if sb == 0 { (o + oa).update(repeating: src[ob], count: inner) }
            else { (o + oa).update(from: src + ob, count: inner) }
        }
        return Tensor.record("expand", out, inputs: [self]) { g in [g.sumToShape(self.shape)] }
    }
}
