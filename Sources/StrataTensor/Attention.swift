// Scaled dot-product attention that never holds the whole score matrix: queries are
// taken in blocks of `blockRows`, so the scores live in a blockRows × keys slab per
// thread. Backward recomputes each slab from the saved row log-sum-exps, as
// FlashAttention does. The two products per block run in CStrata's attention_kernels.c;
// AttentionReference composes the plain ops for testing.
import CStrata

extension Tensor {
    /// softmax(scale · Q Kᵀ [+ causal mask]) V for q [B, H, N, D], k [B, H, M, D], v [B, H, M, Dv].
    public static func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool = false, scale: Float? = nil) -> Tensor {
        precondition(q.rank == 4 && k.rank == 4 && v.rank == 4, "attention: q \(q.shape), k \(k.shape), v \(v.shape) must be [B, H, tokens, dim]")
        precondition(q.shape[0] == k.shape[0] && q.shape[1] == k.shape[1] && k.shape[0...2] == v.shape[0...2] && q.shape[3] == k.shape[3],
                     "attention: q \(q.shape), k \(k.shape) and v \(v.shape) do not agree")
        let geo = AttentionGeometry(units: q.shape[0] * q.shape[1], n: q.shape[2], m: k.shape[2], d: q.shape[3], dv: v.shape[3],
                                    scale: scale ?? 1 / Float(q.shape[3]).squareRoot(), causal: causal)
        let out = Tensor.empty([q.shape[0], q.shape[1], geo.n, geo.dv])
        let lse = Tensor.empty([geo.units, geo.n])
        AttentionKernels.forward(geo, q: q.data, k: k.data, v: v.data, o: out.data, lse: lse.data)
        let qd = q.detached(), kd = k.detached(), vd = v.detached(), od = out.detached()
        return record("attention", out, inputs: [q, k, v]) { g in
            let dq = Tensor.empty(qd.shape), dk = Tensor.empty(kd.shape), dv = Tensor.empty(vd.shape)
            AttentionKernels.backward(geo, q: qd.data, k: kd.data, v: vd.data, o: od.data, lse: lse.data, dO: g.data,
                                      dq: dq.data, dk: dk.data, dv: dv.data)
            return [dq, dk, dv]
        }
    }
}

struct AttentionGeometry {
    let units, n, m, d, dv: Int
    let scale: Float
    let causal: Bool
    /// Query rows per slab: 128 rows of 4096 keys, 2 MB per buffer (64 and 256 measured slower).
    var blockRows: Int { min(n, max(16, 524_288 / max(m, 1))) }
}

enum AttentionKernels {
    /// Keys (or values) of every head transposed to [units, width, tokens], the layout the
    /// score kernel reads 64 keys at a time from.
    static func transposedPerHead(_ x: UnsafePointer<Float>, units: Int, tokens: Int, width: Int) -> Tensor {
        let t = Tensor.empty([units, width, tokens])
        Kernels.permute(x, shape: [units, tokens, width], order: [0, 2, 1], t.data)
        return t
    }

    static func forward(_ g: AttentionGeometry, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                        o: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>) {
        let br = g.blockRows, blocks = (g.n + br - 1) / br
        let kt = transposedPerHead(k, units: g.units, tokens: g.m, width: g.d)
        defer { withExtendedLifetime(kt) {} }  // pointers into it are used below
        Parallel.forEach(g.units * blocks, grain: 1) { work in
            let slabT = Tensor.empty([br, g.m]), scalesT = Tensor.empty([br])
            defer { withExtendedLifetime((slabT, scalesT)) {} }  // pointers into these are used below
            let slab = slabT.data, scales = scalesT.data
            for w in work {
                let u = w / blocks, r0 = (w % blocks) * br, rows = min(br, g.n - r0)
                let qb = q + (u * g.n + r0) * g.d, ob = o + (u * g.n + r0) * g.dv
                cstrata_attention_scores(UnaryOp.best, qb, rows, g.d, kt.data + u * g.d * g.m, g.m, g.scale, slab, g.m)
                // Exponentials only; each output row is divided by its sum after the
                // product, a [rows × dv] pass instead of one over the [rows × keys] slab.
                for i in 0..<rows {
                    let row = slab + i * g.m
                    if g.causal { maskCausal(row, query: r0 + i, keys: g.m) }
                    lse[u * g.n + r0 + i] = cstrata_softmax_row_unscaled(UnaryOp.best, row, g.m, scales + i)
                }
                cstrata_attention_values(UnaryOp.best, slab, rows, g.m, 1, v + u * g.m * g.dv, g.m, g.dv, ob, g.dv, 1, 0)
                for i in 0..<rows {
                    let s = scales[i], orow = ob + i * g.dv
                    for j in 0..<g.dv { orow[j] *= s }
                }
            }
        }
    }

    static func backward(_ g: AttentionGeometry, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                         o: UnsafePointer<Float>, lse: UnsafePointer<Float>, dO: UnsafePointer<Float>,
                         dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>) {
        let br = g.blockRows
        let kt = transposedPerHead(k, units: g.units, tokens: g.m, width: g.d)
        let vt = transposedPerHead(v, units: g.units, tokens: g.m, width: g.dv)
        defer { withExtendedLifetime((kt, vt)) {} }  // pointers into these are used below
        Parallel.forEach(g.units, grain: 1) { units in
            let pT = Tensor.empty([br, g.m]), dpT = Tensor.empty([br, g.m])
            defer { withExtendedLifetime((pT, dpT)) {} }  // pointers into these are used below
            let p = pT.data, dp = dpT.data
            for u in units {
                let ku = k + u * g.m * g.d
                let dku = dk + u * g.m * g.d, dvu = dv + u * g.m * g.dv
                var r0 = 0
                while r0 < g.n {
                    let rows = min(br, g.n - r0)
                    let qb = q + (u * g.n + r0) * g.d, ob = o + (u * g.n + r0) * g.dv, dob = dO + (u * g.n + r0) * g.dv
                    // P = exp(scale·Q Kᵀ − lse)
                    cstrata_attention_scores(UnaryOp.best, qb, rows, g.d, kt.data + u * g.d * g.m, g.m, g.scale, p, g.m)
                    for i in 0..<rows {
                        let row = p + i * g.m
                        if g.causal { maskCausal(row, query: r0 + i, keys: g.m) }
                        var l = lse[u * g.n + r0 + i]
                        cstrata_unary(Int32(CSTRATA_EXP_SHIFTED), UnaryOp.best, row, &l, row, g.m)
                    }
                    // dV (+)= Pᵀ dO
                    cstrata_attention_values(UnaryOp.best, p, g.m, 1, g.m, dob, rows, g.dv, dvu, g.dv, 1, r0 == 0 ? 0 : 1)
                    // dP = dO Vᵀ; dS = P ⊙ (dP − rowsum(dO ⊙ O)), scaled by `scale` for both uses below
                    cstrata_attention_scores(UnaryOp.best, dob, rows, g.dv, vt.data + u * g.dv * g.m, g.m, 1, dp, g.m)
                    for i in 0..<rows {
                        let delta = Kernels.dot(dob + i * g.dv, ob + i * g.dv, g.dv)
                        cstrata_softmax_grad_row(UnaryOp.best, p + i * g.m, dp + i * g.m, g.m, delta)
                    }
                    // dQ = scale · dS K ; dK += scale · dSᵀ Q
                    let dqb = dq + (u * g.n + r0) * g.d
                    cstrata_attention_values(UnaryOp.best, dp, rows, g.m, 1, ku, g.m, g.d, dqb, g.d, g.scale, 0)
                    cstrata_attention_values(UnaryOp.best, dp, g.m, 1, g.m, qb, rows, g.d, dku, g.d, g.scale, r0 == 0 ? 0 : 1)
                    r0 += rows
                }
            }
        }
    }

    @inline(__always)
    static func maskCausal(_ row: UnsafeMutablePointer<Float>, query: Int, keys: Int) {
        if query + 1 < keys { (row + query + 1).update(repeating: -.infinity, count: keys - query - 1) }
    }
}

/// Attention from the plain operations (full score matrix), the reference for the kernel above.
public enum AttentionReference {
    public static func attention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool = false, scale: Float? = nil) -> Tensor {
        let s = scale ?? 1 / Float(q.shape[3]).squareRoot()
        var scores = q.matmul(k.transposedLast()) * s
        if causal {
            let n = q.shape[2], m = k.shape[2]
            let mask = Tensor(zeros: [n, m])
            for i in 0..<n { for j in 0..<m where j > i { mask.data[i * m + j] = -.infinity } }
            scores = scores + mask
        }
        return scores.softmax().matmul(v)
    }
}
