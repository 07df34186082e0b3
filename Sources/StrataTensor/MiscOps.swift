// Upsampling, embedding lookup, dropout, masked MSE and timestep embeddings.
import CStrata
import Foundation

extension Tensor {
    /// Nearest-neighbour 2× upsampling of [N, C, H, W].
    public func upsampleNearest2x() -> Tensor {
        precondition(rank == 4, "upsampleNearest2x: needs [N, C, H, W], got \(shape)")
        let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
        let out = Tensor.empty([shape[0], shape[1], 2 * h, 2 * w])
        let x = data, o = out.data
        Parallel.forEach(planes, grain: max(1, 4096 / (h * w))) { ps in
            for p in ps {
                let src = x + p * h * w, dst = o + p * 4 * h * w
                for y in 0..<h {
                    let row = dst + 2 * y * 2 * w, s = src + y * w
                    for xx in 0..<w { row[2 * xx] = s[xx]; row[2 * xx + 1] = s[xx] }
                    (row + 2 * w).update(from: row, count: 2 * w)
                }
            }
        }
        let inShape = shape
        return Tensor.record("upsampleNearest2x", out, inputs: [self]) { g in
            let dx = Tensor.empty(inShape)
            let gp = g.data, d = dx.data
            Parallel.forEach(planes, grain: max(1, 4096 / (h * w))) { ps in
                for p in ps {
                    let src = gp + p * 4 * h * w, dst = d + p * h * w
                    for y in 0..<h {
                        let r0 = src + 2 * y * 2 * w, r1 = r0 + 2 * w
                        for xx in 0..<w { dst[y * w + xx] = r0[2 * xx] + r0[2 * xx + 1] + r1[2 * xx] + r1[2 * xx + 1] }
                    }
                }
            }
            return [dx]
        }
    }

    /// Rows of `table` [V, D] picked by `indices`, shaped `indexShape + [D]`.
    public static func embedding(_ table: Tensor, indices: [Int], indexShape: [Int]) -> Tensor {
        precondition(table.rank == 2, "embedding: table must be [vocabulary, dim], got \(table.shape)")
        precondition(Tensor.elementCount(indexShape) == indices.count, "embedding: \(indices.count) indices for shape \(indexShape)")
        let v = table.shape[0], d = table.shape[1]
        for i in indices { precondition(i >= 0 && i < v, "embedding: index \(i) outside a table of \(v) rows") }
        let out = Tensor.empty(indexShape + [d])
        for (r, i) in indices.enumerated() { (out.data + r * d).update(from: table.data + i * d, count: d) }
        return record("embedding", out, inputs: [table]) { g in
            let dt = Tensor(zeros: [v, d])
            for (r, i) in indices.enumerated() {
                let dst = dt.data + i * d, src = g.data + r * d
                for j in 0..<d { dst[j] += src[j] }
            }
            return [dt]
        }
    }

    /// Zeroes each value with probability p and scales the rest by 1/(1−p).
    public func dropout<R: RandomSource>(p: Float, using rng: inout R) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: probability \(p) must be in [0, 1)")
        if p == 0 { return self }
        let mask = Tensor.empty(shape)
        let keep = 1 / (1 - p)
        for i in 0..<count { mask.data[i] = rng.nextUniform() < p ? 0 : keep }
        return self * mask
    }

    /// mean((mask ⊙ (self − target))²) over all elements; `mask` broadcasts.
    public func maskedMSE(_ target: Tensor, mask: Tensor?) -> Tensor {
        precondition(shape == target.shape, "maskedMSE: prediction \(shape) and target \(target.shape) differ")
        let diff = self - target
        let masked = mask.map { diff * $0 } ?? diff
        return (masked * masked).mean()
    }

    /// Sinusoidal embeddings of `timesteps` [N] into [N, dim], as diffusers'
    /// get_timestep_embedding: exponent = −ln(maxPeriod)·i/(half − shift), [sin, cos]
    /// or [cos, sin] when `flipSinToCos`.
    public static func timestepEmbedding(_ timesteps: Tensor, dim: Int, flipSinToCos: Bool = true,
                                         downscaleFreqShift: Float = 0, scale: Float = 1, maxPeriod: Float = 10000) -> Tensor {
        precondition(timesteps.rank == 1, "timestepEmbedding: timesteps must be [N], got \(timesteps.shape)")
        let n = timesteps.shape[0], half = dim / 2
        // fp32 throughout, in the order diffusers computes it, so results agree to rounding.
        let logPeriod = Float(-Foundation.log(Double(maxPeriod)))
        let freqs = (0..<half).map { i in Foundation.exp(logPeriod * Float(i) / (Float(half) - downscaleFreqShift)) }
        let out = Tensor(zeros: [n, dim])
        let sinAt = flipSinToCos ? half : 0, cosAt = flipSinToCos ? 0 : half
        for r in 0..<n {
            let t = timesteps.data[r]
            for i in 0..<half {
                let a = scale * (t * freqs[i])
                out.data[r * dim + sinAt + i] = Foundation.sin(a)
                out.data[r * dim + cosAt + i] = Foundation.cos(a)
            }
        }
        let td = timesteps.detached()
        // d/dt: scale·f·cos for the sine half, −scale·f·sin for the cosine half.
        return record("timestepEmbedding", out, inputs: [timesteps]) { g in
            let dt = Tensor(zeros: [n])
            for r in 0..<n {
                let t = td.data[r]
                var s: Float = 0
                for i in 0..<half {
                    let a = scale * t * freqs[i], f = scale * freqs[i]
                    s += g.data[r * dim + sinAt + i] * f * Foundation.cos(a)
                    s -= g.data[r * dim + cosAt + i] * f * Foundation.sin(a)
                }
                dt.data[r] = s
            }
            return [dt]
        }
    }
}

extension Tensor {
    /// Zero padding of the last two dimensions of [..., H, W].
    public func padded(top: Int, bottom: Int, left: Int, right: Int) -> Tensor {
        precondition(rank >= 2 && min(top, bottom, left, right) >= 0, "padded: needs [..., H, W] and non-negative padding, got \(shape)")
        let h = shape[rank - 2], w = shape[rank - 1], planes = count / max(h * w, 1)
        let oh = h + top + bottom, ow = w + left + right
        var s = shape; s[rank - 2] = oh; s[rank - 1] = ow
        let out = Tensor(zeros: s)
        for p in 0..<planes {
            for y in 0..<h { (out.data + p * oh * ow + (y + top) * ow + left).update(from: data + p * h * w + y * w, count: w) }
        }
        let inShape = shape
        return Tensor.record("padded", out, inputs: [self]) { g in
            let dx = Tensor.empty(inShape)
            for p in 0..<planes {
                for y in 0..<h { (dx.data + p * h * w + y * w).update(from: g.data + p * oh * ow + (y + top) * ow + left, count: w) }
            }
            return [dx]
        }
    }
}

extension Tensor {
    /// e^x element-wise.
    public func exp() -> Tensor {
        let out = Tensor.empty(shape)
        let x = data, o = out.data
        Parallel.forEach(count, grain: 1 << 15) { r in
            var shift: Float = 0
            cstrata_unary(Int32(CSTRATA_EXP_SHIFTED), UnaryOp.best, x + r.lowerBound, &shift, o + r.lowerBound, r.count)
        }
        let od = out.detached()
        return Tensor.record("exp", out, inputs: [self]) { g in [GradMode.disabled { g * od }] }
    }

    /// Values limited to [low, high]; the gradient passes where low ≤ x ≤ high (as PyTorch's clamp).
    public func clamped(_ low: Float, _ high: Float) -> Tensor {
        let out = Tensor.empty(shape)
        for i in 0..<count { out.data[i] = Swift.min(Swift.max(data[i], low), high) }
        let xd = detached()
        return Tensor.record("clamped", out, inputs: [self]) { g in
            let dx = Tensor.empty(xd.shape)
            for i in 0..<xd.count { let v = xd.data[i]; dx.data[i] = (v >= low && v <= high) ? g.data[i] : 0 }
            return [dx]
        }
    }
}
