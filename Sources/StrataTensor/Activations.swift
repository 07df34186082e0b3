// Element-wise activations with their derivatives. The math runs in CStrata's
// vector_kernels.c (AVX-512 when the CPU has it); this file splits the work across
// threads and records the backward rules.
import CStrata

public enum GELUApproximation { case erf, tanh }

enum UnaryOp {
    static let siluForward = Int32(CSTRATA_SILU_FWD), siluBackward = Int32(CSTRATA_SILU_BWD)
    static let sigmoidForward = Int32(CSTRATA_SIGMOID_FWD), sigmoidBackward = Int32(CSTRATA_SIGMOID_BWD)
    static let geluErfForward = Int32(CSTRATA_GELU_ERF_FWD), geluErfBackward = Int32(CSTRATA_GELU_ERF_BWD)
    static let geluTanhForward = Int32(CSTRATA_GELU_TANH_FWD), geluTanhBackward = Int32(CSTRATA_GELU_TANH_BWD)
    static let quickGELUForward = Int32(CSTRATA_QUICK_GELU_FWD), quickGELUBackward = Int32(CSTRATA_QUICK_GELU_BWD)
    static let best = Int32(CSTRATA_ISA_BEST)
}

extension Tensor {
    /// Runs a cstrata_unary operation over this tensor (and `g`, for backward ops).
    func unary(_ op: Int32, _ g: Tensor? = nil) -> Tensor {
        if let g { precondition(g.shape == shape, "unary: gradient \(g.shape) for a tensor of shape \(shape)") }
        let out = Tensor.empty(shape)
        let x = data, gp = g?.data, o = out.data
        Parallel.forEach(count, grain: 1 << 15) { r in
            cstrata_unary(op, UnaryOp.best, x + r.lowerBound, gp.map { $0 + r.lowerBound }, o + r.lowerBound, r.count)
        }
        return out
    }

    private func activation(_ name: String, _ forward: Int32, _ backward: Int32, gradientFromOutput: Bool = false) -> Tensor {
        let out = unary(forward)
        let saved = gradientFromOutput ? out.detached() : detached()
        return Tensor.record(name, out, inputs: [self]) { g in [saved.unary(backward, g)] }
    }

    public func sigmoid() -> Tensor { activation("sigmoid", UnaryOp.sigmoidForward, UnaryOp.sigmoidBackward, gradientFromOutput: true) }
    public func silu() -> Tensor { activation("silu", UnaryOp.siluForward, UnaryOp.siluBackward) }
    /// x·σ(1.702x), the activation of OpenAI's CLIP.
    public func quickGELU() -> Tensor { activation("quickGELU", UnaryOp.quickGELUForward, UnaryOp.quickGELUBackward) }

    public func gelu(_ approximation: GELUApproximation = .erf) -> Tensor {
        switch approximation {
        case .erf: return activation("gelu", UnaryOp.geluErfForward, UnaryOp.geluErfBackward)
        case .tanh: return activation("gelu", UnaryOp.geluTanhForward, UnaryOp.geluTanhBackward)
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
        Parallel.forEach(rows, grain: max(1, 16384 / d)) { rs in
            cstrata_geglu_fwd(UnaryOp.best, x + rs.lowerBound * last, o + rs.lowerBound * d, rs.count, d)
        }
        let xd = detached()
        return Tensor.record("geglu", out, inputs: [self]) { g in
            let dx = Tensor.empty(xd.shape)
            let x = xd.data, gp = g.data, o = dx.data
            Parallel.forEach(rows, grain: max(1, 16384 / d)) { rs in
                cstrata_geglu_bwd(UnaryOp.best, x + rs.lowerBound * last, gp + rs.lowerBound * d, o + rs.lowerBound * last, rs.count, d)
            }
            return [dx]
        }
    }

    /// Softmax over the last dimension.
    public func softmax() -> Tensor {
        let n = shape.last ?? 1, rows = count / max(n, 1)
        let out = copy()
        let o = out.data
        Parallel.forEach(rows, grain: max(1, 8192 / n)) { rs in
            for r in rs { _ = cstrata_softmax_row(UnaryOp.best, o + r * n, n) }
        }
        let od = out.detached()
        return Tensor.record("softmax", out, inputs: [self]) { g in
            let dx = g.copy()
            let y = od.data, d = dx.data
            Parallel.forEach(rows, grain: max(1, 8192 / n)) { rs in
                for r in rs {
                    let delta = Kernels.dot(y + r * n, d + r * n, n)
                    cstrata_softmax_grad_row(UnaryOp.best, y + r * n, d + r * n, n, delta)
                }
            }
            return [dx]
        }
    }
}
