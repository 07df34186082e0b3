// Scaled dot-product attention that never holds the whole score matrix: queries are
// taken in blocks of `blockRows`, so the scores live in a blockRows × keys slab per
// thread. Backward recomputes each slab from the saved row log-sum-exps, as
// FlashAttention does. AttentionReference composes the plain ops for testing.
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
    static func forward(_ g: AttentionGeometry, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                        o: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>) {
        let br = g.blockRows, blocks = (g.n + br - 1) / br
        do {
            Parallel.forEach(g.units * blocks, grain: 1) { work in
                let slabT = Tensor.empty([br, g.m]), scalesT = Tensor.empty([br])
                defer { withExtendedLifetime((slabT, scalesT)) {} }  // pointers into these are used below
                let slab = slabT.data, scales = scalesT.data
                for w in work {
                    let u = w / blocks, r0 = (w % blocks) * br, rows = min(br, g.n - r0)
                    let qu = q + (u * g.n + r0) * g.d, ku = k + u * g.m * g.d, vu = v + u * g.m * g.dv
                    Gemm.sgemm(transA: false, transB: true, m: rows, n: g.m, k: g.d, alpha: g.scale,
                               a: qu, lda: g.d, b: ku, ldb: g.d, c: slab, ldc: g.m)
                    // Exponentials only; each output row is divided by its sum after the
                    // product, a [rows × dv] pass instead of one over the [rows × keys] slab.
                    for i in 0..<rows {
                        let row = slab + i * g.m
                        if g.causal { maskCausal(row, query: r0 + i, keys: g.m) }
                        lse[u * g.n + r0 + i] = cstrata_softmax_row_unscaled(UnaryOp.best, row, g.m, scales + i)
                    }
                    let ob = o + (u * g.n + r0) * g.dv
                    Gemm.sgemm(transA: false, transB: false, m: rows, n: g.dv, k: g.m, a: slab, lda: g.m,
                               b: vu, ldb: g.dv, c: ob, ldc: g.dv)
                    for i in 0..<rows {
                        let s = scales[i], orow = ob + i * g.dv
                        for j in 0..<g.dv { orow[j] *= s }
                    }
                }
            }
        }
    }

    static func backward(_ g: AttentionGeometry, q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                         o: UnsafePointer<Float>, lse: UnsafePointer<Float>, dO: UnsafePointer<Float>,
                         dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>) {
        let br = g.blockRows
        do {
            Parallel.forEach(g.units, grain: 1) { units in
                let pT = Tensor.empty([br, g.m]), dpT = Tensor.empty([br, g.m])
                defer { withExtendedLifetime((pT, dpT)) {} }  // pointers into these are used below
                let p = pT.data, dp = dpT.data
                for u in units {
                    let ku = k + u * g.m * g.d, vu = v + u * g.m * g.dv
                    let dku = dk + u * g.m * g.d, dvu = dv + u * g.m * g.dv
                    var r0 = 0
                    while r0 < g.n {
                        let rows = min(br, g.n - r0)
                        let qb = q + (u * g.n + r0) * g.d, ob = o + (u * g.n + r0) * g.dv, dob = dO + (u * g.n + r0) * g.dv
                        // P = exp(scale·Q Kᵀ − lse)
                        Gemm.sgemm(transA: false, transB: true, m: rows, n: g.m, k: g.d, alpha: g.scale,
                                   a: qb, lda: g.d, b: ku, ldb: g.d, c: p, ldc: g.m)
                        for i in 0..<rows {
                            let row = p + i * g.m
                            if g.causal { maskCausal(row, query: r0 + i, keys: g.m) }
                            var l = lse[u * g.n + r0 + i]
                            cstrata_unary(Int32(CSTRATA_EXP_SHIFTED), UnaryOp.best, row, &l, row, g.m)
                        }
                        // dV += Pᵀ dO
                        Gemm.sgemm(transA: true, transB: false, m: g.m, n: g.dv, k: rows, a: p, lda: g.m,
                                   b: dob, ldb: g.dv, beta: r0 == 0 ? 0 : 1, c: dvu, ldc: g.dv)
                        // dP = dO Vᵀ; dS = P ⊙ (dP − rowsum(dO ⊙ O))
                        Gemm.sgemm(transA: false, transB: true, m: rows, n: g.m, k: g.dv, a: dob, lda: g.dv,
                                   b: vu, ldb: g.dv, c: dp, ldc: g.m)
                        for i in 0..<rows {
                            let delta = Kernels.dot(dob + i * g.dv, ob + i * g.dv, g.dv)
                            cstrata_softmax_grad_row(UnaryOp.best, p + i * g.m, dp + i * g.m, g.m, delta)
                        }
                        // dQ = scale · dS K ; dK += scale · dSᵀ Q
                        Gemm.sgemm(transA: false, transB: false, m: rows, n: g.d, k: g.m, alpha: g.scale, a: dp, lda: g.m,
                                   b: ku, ldb: g.d, c: dq + (u * g.n + r0) * g.d, ldc: g.d)
                        Gemm.sgemm(transA: true, transB: false, m: g.m, n: g.d, k: rows, alpha: g.scale, a: dp, lda: g.m,
                                   b: qb, ldb: g.d, beta: r0 == 0 ? 0 : 1, c: dku, ldc: g.d)
                        r0 += rows
                    }
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
