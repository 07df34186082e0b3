// Matrix products on sgemm: matmul, batched matmul, linear layers.

extension Tensor {
    /// [..., M, K] × [K, N] or [..., M, K] × [..., K, N] with equal batch dimensions.
    public func matmul(_ b: Tensor) -> Tensor {
        let a = self
        precondition(a.rank >= 2 && b.rank >= 2, "matmul: needs matrices, got \(a.shape) and \(b.shape)")
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let kb = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        precondition(k == kb && (batchB.isEmpty || batchB == batchA),
                     "matmul: shapes \(a.shape) and \(b.shape) do not multiply")
        let batch = batchA.reduce(1, *)
        let sharedB = batchB.isEmpty
        let out = Tensor.empty(batchA + [m, n])
        if sharedB {
            Gemm.sgemm(transA: false, transB: false, m: batch * m, n: n, k: k, a: a.data, lda: k, b: b.data, ldb: n, c: out.data, ldc: n)
        } else {
            for i in 0..<batch {
                Gemm.sgemm(transA: false, transB: false, m: m, n: n, k: k, a: a.data + i * m * k, lda: k,
                           b: b.data + i * k * n, ldb: n, c: out.data + i * m * n, ldc: n)
            }
        }
        let ad = a.detached(), bd = b.detached()
        return Tensor.record("matmul", out, inputs: [a, b]) { g in
            var ga: Tensor? = nil, gb: Tensor? = nil
            if a.requiresGrad {
                let d = Tensor.empty(ad.shape)
                if sharedB {
                    Gemm.sgemm(transA: false, transB: true, m: batch * m, n: k, k: n, a: g.data, lda: n, b: bd.data, ldb: n, c: d.data, ldc: k)
                } else {
                    for i in 0..<batch {
                        Gemm.sgemm(transA: false, transB: true, m: m, n: k, k: n, a: g.data + i * m * n, lda: n,
                                   b: bd.data + i * k * n, ldb: n, c: d.data + i * m * k, ldc: k)
                    }
                }
                ga = d
            }
            if b.requiresGrad {
                let d = Tensor.empty(bd.shape)
                if sharedB {
                    Gemm.sgemm(transA: true, transB: false, m: k, n: n, k: batch * m, a: ad.data, lda: k, b: g.data, ldb: n, c: d.data, ldc: n)
                } else {
                    for i in 0..<batch {
                        Gemm.sgemm(transA: true, transB: false, m: k, n: n, k: m, a: ad.data + i * m * k, lda: k,
                                   b: g.data + i * m * n, ldb: n, c: d.data + i * k * n, ldc: n)
                    }
                }
                gb = d
            }
            return [ga, gb]
        }
    }

    /// x · Wᵀ + b for x [..., in], W [out, in], b [out].
    public func linear(_ weight: Tensor, _ bias: Tensor? = nil) -> Tensor {
        let inF = shape.last ?? 0
        precondition(weight.rank == 2 && weight.shape[1] == inF,
                     "linear: input \(shape) does not match weight \(weight.shape)")
        let outF = weight.shape[0]
        if let bias { precondition(bias.shape == [outF], "linear: bias \(bias.shape) does not match weight \(weight.shape)") }
        let rows = count / max(inF, 1)
        var s = shape; s[s.count - 1] = outF
        let out = Tensor.empty(s)
        if let bias {
            for r in 0..<rows { (out.data + r * outF).update(from: bias.data, count: outF) }
        }
        Gemm.sgemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: data, lda: inF,
                   b: weight.data, ldb: inF, beta: bias == nil ? 0 : 1, c: out.data, ldc: outF)
        let xd = detached(), wd = weight.detached()
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tensor.record("linear", out, inputs: inputs) { g in
            var grads: [Tensor?] = [nil, nil]
            if inputs[0].requiresGrad {
                let dx = Tensor.empty(xd.shape)
                Gemm.sgemm(transA: false, transB: false, m: rows, n: inF, k: outF, a: g.data, lda: outF,
                           b: wd.data, ldb: inF, c: dx.data, ldc: inF)
                grads[0] = dx
            }
            if inputs[1].requiresGrad {
                let dw = Tensor.empty(wd.shape)
                Gemm.sgemm(transA: true, transB: false, m: outF, n: inF, k: rows, a: g.data, lda: outF,
                           b: xd.data, ldb: inF, c: dw.data, ldc: inF)
                grads[1] = dw
            }
            if inputs.count == 3 {
                grads.append(inputs[2].requiresGrad ? GradMode.disabled { g.reshapedDetached([rows, outF]).sum(axes: [0]) } : nil)
            }
            return grads
        }
    }
}
