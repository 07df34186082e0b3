// Sum and mean over axes.

extension Tensor {
    /// Sum over `axes` (all when empty); `keepDims` leaves them as size 1.
    public func sum(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : Array(Set(axes.map { normalise($0) })).sorted()
        var kept = shape
        for a in ax { kept[a] = 1 }
        let out = Tensor(zeros: kept)
        if count > 0 {
            if ax.count == rank {
                out.data[0] = Kernels.sum(data, count)
            } else {
                // The broadcast plan of (input, kept) gives, row by row, where each sum goes.
                let plan = BroadcastPlan("sum", shape, kept)
                let x = data, o = out.data, inner = plan.inner, sb = plan.strideB.last!
                for row in 0..<plan.rows {
                    let (xa, ob) = plan.rowOffsets(row)
                    if sb == 0 { o[ob] += Kernels.sum(x + xa, inner) }
                    else { let d = o + ob, s = x + xa; for j in 0..<inner { d[j] += s[j] } }
                }
            }
        }
        let finalShape = keepDims ? kept : kept.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
        let result = Tensor(storage: out.storage, shape: finalShape)
        let inShape = shape
        return Tensor.record("sum", result, inputs: [self]) { g in
            [GradMode.disabled { g.reshapedDetached(kept).expanded(to: inShape) }]
        }
    }

    public func mean(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
        let ax = axes.isEmpty ? Array(0..<rank) : axes.map { normalise($0) }
        let n = Set(ax).map { shape[$0] }.reduce(1, *)
        return sum(axes: axes, keepDims: keepDims) * (1 / Float(n))
    }
}
