// Element-wise activations with their derivatives, vectorised 16 lanes at a time.

public enum GELUApproximation { case erf, tanh }

extension Tensor {
    /// Applies `f` lane-wise over this tensor into a new one.
    @inline(__always)
    func mapLanes(_ f: (Float16x) -> Float16x) -> Tensor {
        let out = Tensor.empty(shape)
        let x = data, o = out.data
        withoutActuallyEscaping(f) { f in
            Parallel.forEach((count + 15) / 16, grain: 2048) { blocks in
                let lo = blocks.lowerBound * 16, hi = min(count, blocks.upperBound * 16)
                var i = lo
                while i + 16 <= hi { f(.load(x + i)).store(o + i); i += 16 }
                if i < hi { storePartial(f(loadPartial(x + i, hi - i)), o + i, hi - i) }
            }
        }
        return out
    }

    /// Applies `f(x, g)` lane-wise over this tensor and a same-shaped gradient.
    @inline(__always)
    func zipLanes(_ g: Tensor, _ f: (Float16x, Float16x) -> Float16x) -> Tensor {
        precondition(g.shape == shape, "zipLanes: \(shape) vs \(g.shape)")
        let out = Tensor.empty(shape)
        let x = data, gp = g.data, o = out.data
        withoutActuallyEscaping(f) { f in
            Parallel.forEach((count + 15) / 16, grain: 2048) { blocks in
                let lo = blocks.lowerBound * 16, hi = min(count, blocks.upperBound * 16)
                var i = lo
                while i + 16 <= hi { f(.load(x + i), .load(gp + i)).store(o + i); i += 16 }
                if i < hi { storePartial(f(loadPartial(x + i, hi - i), loadPartial(gp + i, hi - i)), o + i, hi - i) }
            }
        }
        return out
    }

    public func sigmoid() -> Tensor {
        let out = mapLanes { VectorMath.sigmoid($0) }
        let od = out.detached()
        return Tensor.record("sigmoid", out, inputs: [self]) { g in
            [od.zipLanes(g) { s, g in g * s * (splat(1) - s) }]
        }
    }

    public func silu() -> Tensor {
        let out = mapLanes { x in x * VectorMath.sigmoid(x) }
        let x = detached()
        return Tensor.record("silu", out, inputs: [self]) { g in
            [x.zipLanes(g) { x, g in
                let s: Float16x = VectorMath.sigmoid(x)
                let inner: Float16x = splat(1) + x * (splat(1) - s)
                return g * s * inner
            }]
        }
    }

    /// x·σ(1.702x), the activation of OpenAI's CLIP.
    public func quickGELU() -> Tensor {
        let out = mapLanes { x in x * VectorMath.sigmoid(splat(1.702) * x) }
        let x = detached()
        return Tensor.record("quickGELU", out, inputs: [self]) { g in
            [x.zipLanes(g) { x, g in
                let s: Float16x = VectorMath.sigmoid(splat(1.702) * x)
                let ds: Float16x = splat(1.702) * x * s * (splat(1) - s)
                return g * (s + ds)
            }]
        }
    }

    public func gelu(_ approximation: GELUApproximation = .erf) -> Tensor {
        let out = mapLanes { Tensor.geluLanes($0, approximation) }
        let x = detached()
        return Tensor.record("gelu", out, inputs: [self]) { g in
            [x.zipLanes(g) { x, g in g * Tensor.geluDerivativeLanes(x, approximation) }]
        }
    }

    @inline(__always)
    static func geluLanes(_ x: Float16x, _ a: GELUApproximation) -> Float16x {
        let half: Float16x = splat(0.5) * x
        switch a {
        case .erf:
            let e: Float16x = VectorMath.erf(x * splat(0.7071067811865476))
            return half * (splat(1) + e)
        case .tanh:
            let t: Float16x = VectorMath.tanh(tanhArgument(x))
            return half * (splat(1) + t)
        }
    }

    /// √(2/π)·(x + 0.044715x³)
    @inline(__always)
    static func tanhArgument(_ x: Float16x) -> Float16x {
        let x3: Float16x = x * x * x
        let inner: Float16x = x + splat(0.044715) * x3
        return splat(0.7978845608028654) * inner
    }

    @inline(__always)
    static func geluDerivativeLanes(_ x: Float16x, _ a: GELUApproximation) -> Float16x {
        switch a {
        case .erf:
            let e: Float16x = VectorMath.erf(x * splat(0.7071067811865476))
            let cdf: Float16x = splat(0.5) * (splat(1) + e)
            let x2: Float16x = x * x
            let pdf: Float16x = VectorMath.exp(splat(-0.5) * x2) * splat(0.3989422804014327)
            return cdf + x * pdf
        case .tanh:
            let t: Float16x = VectorMath.tanh(tanhArgument(x))
            let x2: Float16x = x * x
            let du: Float16x = splat(0.7978845608028654) * (splat(1) + splat(3 * 0.044715) * x2)
            let sech2: Float16x = splat(1) - t * t
            let left: Float16x = splat(0.5) * (splat(1) + t)
            let right: Float16x = splat(0.5) * x * sech2 * du
            return left + right
        }
    }

    /// GEGLU: the last dimension holds [h, gate]; returns h · gelu(gate) (erf GELU, as diffusers).
    public func geglu() -> Tensor {
        guard let last = shape.last, last % 2 == 0 else {
            preconditionFailure("geglu: the last dimension of \(shape) must be even")
        }
        let d = last / 2, rows = count / last
        var outShape = shape; outShape[outShape.count - 1] = d
        let out = Tensor.empty(outShape)
        let x = data, o = out.data
        Parallel.forEach(rows, grain: max(1, 8192 / d)) { rs in
            for r in rs {
                let h = x + r * last, gate = h + d, dst = o + r * d
                mapVectorised(d) { j, len in
                    let gv = loadPartial(gate + j, len), hv = loadPartial(h + j, len)
                    storePartial(hv * Tensor.geluLanes(gv, .erf), dst + j, len)
                }
            }
        }
        let xd = detached()
        return Tensor.record("geglu", out, inputs: [self]) { g in
            let dx = Tensor.empty(xd.shape)
            let x = xd.data, gp = g.data, o = dx.data
            Parallel.forEach(rows, grain: max(1, 8192 / d)) { rs in
                for r in rs {
                    let h = x + r * last, gate = h + d, gr = gp + r * d
                    let dh = o + r * last, dgate = dh + d
                    mapVectorised(d) { j, len in
                        let gv = loadPartial(gate + j, len), hv = loadPartial(h + j, len), up = loadPartial(gr + j, len)
                        storePartial(up * Tensor.geluLanes(gv, .erf), dh + j, len)
                        storePartial(up * hv * Tensor.geluDerivativeLanes(gv, .erf), dgate + j, len)
                    }
                }
            }
            return [dx]
        }
    }

    /// Softmax over the last dimension.
    public func softmax() -> Tensor {
        let n = shape.last ?? 1, rows = count / max(n, 1)
        let out = Tensor.empty(shape)
        Kernels.softmaxRows(data, out.data, rows: rows, n: n)
        let od = out.detached()
        return Tensor.record("softmax", out, inputs: [self]) { g in
            let dx = Tensor.empty(od.shape)
            let y = od.data, gp = g.data, o = dx.data
            Parallel.forEach(rows, grain: max(1, 8192 / n)) { rs in
                for r in rs {
                    let yr = y + r * n, gr = gp + r * n, orow = o + r * n
                    let dotv = Kernels.dot(yr, gr, n)
                    for j in 0..<n { orow[j] = yr[j] * (gr[j] - dotv) }
                }
            }
            return [dx]
        }
    }
}

extension Kernels {
    /// Row-wise softmax of `rows` rows of length `n` (input and output may alias).
    static func softmaxRows(_ x: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, rows: Int, n: Int) {
        Parallel.forEach(rows, grain: max(1, 8192 / max(n, 1))) { rs in
            for r in rs { softmaxRow(x + r * n, o + r * n, n) }
        }
    }

    @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, _ o: UnsafeMutablePointer<Float>, _ n: Int) {
        if UnsafePointer(o) != x { o.update(from: x, count: n) }
        _ = AttentionKernels.softmaxRowReturningLSE(o, n)
    }
}
