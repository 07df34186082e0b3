// Group norm (NCHW) and layer norm (last dimension). Both keep each set's mean and
// 1/σ for backward, and reduce the backward pass to two sweeps: sums, then one
// fused affine expression per value.

extension Tensor {
    /// Group normalisation of [N, C, ...] over groups of C/groups channels and all positions.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 2 && groups > 0 && shape[1] % groups == 0,
                     "groupNorm: \(rank >= 2 ? shape[1] : 0) channels of \(shape) do not split into \(groups) groups")
        let n = shape[0], c = shape[1], spatial = count / max(n * c, 1), perGroup = c / groups
        if let weight { precondition(weight.shape == [c], "groupNorm: weight \(weight.shape) does not match \(c) channels") }
        if let bias { precondition(bias.shape == [c], "groupNorm: bias \(bias.shape) does not match \(c) channels") }
        let sets = n * groups, setSize = perGroup * spatial
        let out = Tensor.empty(shape)
        let stats = Tensor.empty([2, sets])  // mean, then 1/σ
        let xp = data, op = out.data, mp = stats.data, rp = stats.data + sets
        let wp = weight?.data, bp = bias?.data
        Parallel.forEach(sets, grain: max(1, 32768 / max(setSize, 1))) { range in
            for s in range {
                let base = xp + s * setSize
                let (m, r) = Kernels.meanAndInverseDeviation(base, setSize, eps: eps)
                mp[s] = m; rp[s] = r
                for run in 0..<perGroup {
                    let ch = (s % groups) * perGroup + run
                    let a = r * (wp?[ch] ?? 1), b = (bp?[ch] ?? 0) - m * a
                    let src = base + run * spatial, dst = op + s * setSize + run * spatial
                    for j in 0..<spatial { dst[j] = src[j] * a + b }
                }
            }
        }
        let xd = detached()
        let inputs = [self] + [weight, bias].compactMap { $0 }
        return Tensor.record("groupNorm", out, inputs: inputs) { g in
            let dx = Tensor.empty(xd.shape)
            // Per set and channel: Σg and Σg·x, then dγ, dβ and the dx coefficients from them.
            let sums = Tensor.empty([2, sets * perGroup])
            defer { withExtendedLifetime((sums)) {} }  // pointers into these are used below
            let gp = g.data, xp = xd.data, dxp = dx.data, sg = sums.data, sgx = sums.data + sets * perGroup
            let mp = stats.data, rp = stats.data + sets
            Parallel.forEach(sets, grain: max(1, 32768 / max(setSize, 1))) { range in
                for s in range {
                    let m = mp[s], r = rp[s]
                    var sum1: Float = 0, sum2: Float = 0
                    for run in 0..<perGroup {
                        let ch = (s % groups) * perGroup + run, off = s * setSize + run * spatial
                        let a = Kernels.sum(gp + off, spatial), b = Kernels.dot(gp + off, xp + off, spatial)
                        sg[s * perGroup + run] = a; sgx[s * perGroup + run] = b
                        let gamma = wp?[ch] ?? 1
                        sum1 += gamma * a
                        sum2 += gamma * r * (b - m * a)
                    }
                    let mean1 = sum1 / Float(setSize), mean2 = sum2 / Float(setSize)
                    // dx = r·(γ·g − mean1 − x̂·mean2) = A·g + B·x + C
                    let bCoef = -r * r * mean2, cCoef = r * r * mean2 * m - r * mean1
                    for run in 0..<perGroup {
                        let ch = (s % groups) * perGroup + run, off = s * setSize + run * spatial
                        let aCoef = r * (wp?[ch] ?? 1)
                        let gr = gp + off, xr = xp + off, dr = dxp + off
                        for j in 0..<spatial { dr[j] = aCoef * gr[j] + bCoef * xr[j] + cCoef }
                    }
                }
            }
            var grads: [Tensor?] = [dx]
            if weight != nil || bias != nil {
                let dGamma = Tensor(zeros: [c]), dBeta = Tensor(zeros: [c])
                for s in 0..<sets {
                    let m = mp[s], r = rp[s]
                    for run in 0..<perGroup {
                        let ch = (s % groups) * perGroup + run, i = s * perGroup + run
                        dGamma.data[ch] += r * (sgx[i] - m * sg[i])
                        dBeta.data[ch] += sg[i]
                    }
                }
                if let weight { grads.append(weight.requiresGrad ? dGamma : nil) }
                if let bias { grads.append(bias.requiresGrad ? dBeta : nil) }
            }
            return grads
        }
    }

    /// Layer normalisation over the last dimension.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        let d = shape.last ?? 1, rows = count / max(d, 1)
        if let weight { precondition(weight.shape == [d], "layerNorm: weight \(weight.shape) does not match last dimension of \(shape)") }
        if let bias { precondition(bias.shape == [d], "layerNorm: bias \(bias.shape) does not match last dimension of \(shape)") }
        let out = Tensor.empty(shape)
        let stats = Tensor.empty([2, rows])
        let xp = data, op = out.data, mp = stats.data, rp = stats.data + rows
        let ones = Tensor(repeating: 1, shape: [d]), zeros = Tensor(zeros: [d])
        let wp = (weight ?? ones).data, bp = (bias ?? zeros).data
        // `ones` and `zeros` must outlive the loop that reads them through raw pointers.
        withExtendedLifetime((ones, zeros)) {
            Parallel.forEach(rows, grain: max(1, 16384 / d)) { range in
                for row in range {
                    let x = xp + row * d, y = op + row * d
                    let (m, r) = Kernels.meanAndInverseDeviation(x, d, eps: eps)
                    mp[row] = m; rp[row] = r
                    for j in 0..<d { y[j] = (x[j] - m) * r * wp[j] + bp[j] }
                }
            }
        }
        let xd = detached()
        let inputs = [self] + [weight, bias].compactMap { $0 }
        return Tensor.record("layerNorm", out, inputs: inputs) { g in
            let dx = Tensor.empty(xd.shape)
            let threads = Engine.threads
            let partial = Tensor(zeros: [threads, 2, d])  // per-thread dγ, dβ
            let gp = g.data, xp = xd.data, dxp = dx.data, mp = stats.data, rp = stats.data + rows
            let chunk = (rows + threads - 1) / threads
            Parallel.forEach(threads, grain: 1) { ts in
                for t in ts {
                    let dg = partial.data + t * 2 * d, db = dg + d
                    for row in (t * chunk)..<min(rows, (t + 1) * chunk) {
                        let m = mp[row], r = rp[row]
                        let x = xp + row * d, gr = gp + row * d, dr = dxp + row * d
                        var sum1: Float = 0, sum2: Float = 0
                        for j in 0..<d {
                            let xh = (x[j] - m) * r, dxh = gr[j] * wp[j]
                            sum1 += dxh; sum2 += dxh * xh
                            dg[j] += gr[j] * xh; db[j] += gr[j]
                        }
                        let mean1 = sum1 / Float(d), mean2 = sum2 / Float(d)
                        for j in 0..<d { dr[j] = r * (gr[j] * wp[j] - mean1 - (x[j] - m) * r * mean2) }
                    }
                }
            }
            var grads: [Tensor?] = [dx]
            if weight != nil || bias != nil {
                let dGamma = Tensor(zeros: [d]), dBeta = Tensor(zeros: [d])
                for t in 0..<threads {
                    let dg = partial.data + t * 2 * d
                    for j in 0..<d { dGamma.data[j] += dg[j]; dBeta.data[j] += dg[d + j] }
                }
                if let weight { grads.append(weight.requiresGrad ? dGamma : nil) }
                if let bias { grads.append(bias.requiresGrad ? dBeta : nil) }
            }
            _ = (ones, zeros)  // keep the default γ and β alive for the pointers above
            return grads
        }
    }
}

extension Kernels {
    /// Mean and 1/√(variance + eps) in one pass over x: sums of (x − K) and (x − K)² with
    /// K = x[0], so values far from zero do not cancel catastrophically. (Two passes cost a
    /// third more memory traffic, which is what group norm's time is.)
    @inline(__always)
    static func meanAndInverseDeviation(_ x: UnsafePointer<Float>, _ n: Int, eps: Float) -> (Float, Float) {
        let k = x[0]
        var s1 = Float16x(), s2 = Float16x()
        var i = 0
        while i + 16 <= n { let d = Float16x.load(x + i) - k; s1 += d; s2 += d * d; i += 16 }
        var a = s1.sum(), b = s2.sum()
        while i < n { let d = x[i] - k; a += d; b += d * d; i += 1 }
        let meanShifted = a / Float(n)
        let variance = max(0, b / Float(n) - meanShifted * meanShifted)
        return (k + meanShifted, 1 / (variance + eps).squareRoot())
    }
}
