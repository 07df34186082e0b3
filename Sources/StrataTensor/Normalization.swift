// Group norm (NCHW) and layer norm (last dimension), with statistics kept for backward.

extension Tensor {
    /// Group normalisation of [N, C, ...] over groups of C/groups channels and all positions.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        precondition(rank >= 2 && shape[1] % groups == 0, "groupNorm: \(shape[safe: 1] ?? 0) channels of \(shape) do not split into \(groups) groups")
        let n = shape[0], c = shape[1], spatial = count / max(n * c, 1)
        if let weight { precondition(weight.shape == [c], "groupNorm: weight \(weight.shape) does not match \(c) channels") }
        if let bias { precondition(bias.shape == [c], "groupNorm: bias \(bias.shape) does not match \(c) channels") }
        return Tensor.normalise(self, name: "groupNorm", sets: n * groups, setSize: c / groups * spatial,
                                channelsPerSet: c / groups, channelRun: spatial, channels: c,
                                weight: weight, bias: bias, eps: eps)
    }

    /// Layer normalisation over the last dimension.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        let d = shape.last ?? 1
        if let weight { precondition(weight.shape == [d], "layerNorm: weight \(weight.shape) does not match last dimension of \(shape)") }
        if let bias { precondition(bias.shape == [d], "layerNorm: bias \(bias.shape) does not match last dimension of \(shape)") }
        return Tensor.normalise(self, name: "layerNorm", sets: count / max(d, 1), setSize: d,
                                channelsPerSet: d, channelRun: 1, channels: d,
                                weight: weight, bias: bias, eps: eps)
    }

    /// Shared kernel. The tensor is `sets` contiguous sets of `setSize` values, each made of
    /// `channelsPerSet` runs of `channelRun` values; run r of set s belongs to channel
    /// (s · channelsPerSet + r) mod channels.
    private static func normalise(_ x: Tensor, name: String, sets: Int, setSize: Int, channelsPerSet: Int,
                                  channelRun: Int, channels: Int, weight: Tensor?, bias: Tensor?, eps: Float) -> Tensor {
        let out = Tensor.empty(x.shape)
        let mean = Tensor.empty([sets]), rstd = Tensor.empty([sets])
        let xp = x.data, op = out.data, mp = mean.data, rp = rstd.data
        let wp = weight?.data, bp = bias?.data
        Parallel.forEach(sets, grain: max(1, 16384 / setSize)) { range in
            for s in range {
                let base = xp + s * setSize
                // Two passes: mean, then variance about it (stable for large offsets).
                let mu = Double(Kernels.sum(base, setSize)) / Double(setSize)
                let m = Float(mu)
                var acc = Float16x()
                var i = 0
                while i + 16 <= setSize { let d = Float16x.load(base + i) - m; acc += d * d; i += 16 }
                var v = acc.sum()
                while i < setSize { let d = base[i] - m; v += d * d; i += 1 }
                let r = 1 / (v / Float(setSize) + eps).squareRoot()
                mp[s] = m; rp[s] = r
                for run in 0..<channelsPerSet {
                    let ch = (s * channelsPerSet + run) % channels
                    let gamma = wp?[ch] ?? 1, beta = bp?[ch] ?? 0
                    let a = r * gamma, b = beta - m * a
                    let src = base + run * channelRun, dst = op + s * setSize + run * channelRun
                    if channelRun == 1 {
                        dst[0] = src[0] * a + b
                    } else {
                        for j in 0..<channelRun { dst[j] = src[j] * a + b }
                    }
                }
            }
        }
        let xd = x.detached()
        let inputs = [x] + [weight, bias].compactMap { $0 }
        return record(name, out, inputs: inputs) { g in
            let dx = Tensor.empty(xd.shape)
            let gp = g.data, dxp = dx.data, xp = xd.data
            let mp = mean.data, rp = rstd.data  // the tensors, not just pointers, are captured
            let threads = Engine.threads
            // Per-thread partial sums for dγ and dβ, added at the end.
            let partial = Tensor(zeros: [threads, 2, channels])
            let chunkSize = (sets + threads - 1) / threads
            Parallel.forEach(threads, grain: 1) { ts in
                for t in ts {
                    let dg = partial.data + t * 2 * channels, db = dg + channels
                    for s in (t * chunkSize)..<min(sets, (t + 1) * chunkSize) {
                        let m = mp[s], r = rp[s]
                        // sums of dxhat and dxhat·xhat over the set
                        var sum1: Float = 0, sum2: Float = 0
                        for run in 0..<channelsPerSet {
                            let off = s * setSize + run * channelRun
                            if channelRun == 1 {
                                let ch = (s * channelsPerSet + run) % channels
                                let xh = (xp[off] - m) * r, gv = gp[off]
                                let dxh = gv * (wp?[ch] ?? 1)
                                sum1 += dxh; sum2 += dxh * xh
                                dg[ch] += gv * xh; db[ch] += gv
                            } else {
                                let ch = (s * channelsPerSet + run) % channels
                                let gamma = wp?[ch] ?? 1
                                var sg: Float = 0, sgx: Float = 0
                                let xr = xp + off, gr = gp + off
                                for j in 0..<channelRun { let xh = (xr[j] - m) * r; sg += gr[j]; sgx += gr[j] * xh }
                                sum1 += sg * gamma; sum2 += sgx * gamma
                                dg[ch] += sgx; db[ch] += sg
                            }
                        }
                        let inv = 1 / Float(setSize)
                        let mean1 = sum1 * inv, mean2 = sum2 * inv
                        for run in 0..<channelsPerSet {
                            let off = s * setSize + run * channelRun
                            let ch = (s * channelsPerSet + run) % channels
                            if channelRun == 1 {
                                let xh = (xp[off] - m) * r
                                dxp[off] = r * (gp[off] * (wp?[ch] ?? 1) - mean1 - xh * mean2)
                            } else {
                                let gamma = wp?[ch] ?? 1
                                let xr = xp + off, gr = gp + off, dr = dxp + off
                                for j in 0..<channelRun {
                                    let xh = (xr[j] - m) * r
                                    dr[j] = r * (gr[j] * gamma - mean1 - xh * mean2)
                                }
                            }
                        }
                    }
                }
            }
            var grads: [Tensor?] = [dx]
            if weight != nil || bias != nil {
                let dGamma = Tensor(zeros: [channels]), dBeta = Tensor(zeros: [channels])
                for t in 0..<threads {
                    let dg = partial.data + t * 2 * channels
                    for c in 0..<channels { dGamma.data[c] += dg[c]; dBeta.data[c] += dg[channels + c] }
                }
                if let weight { grads.append(weight.requiresGrad ? dGamma : nil) }
                if let bias { grads.append(bias.requiresGrad ? dBeta : nil) }
            }
            return grads
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
