// Adam and AdamW (decoupled weight decay), updating parameters in place.
import CStrata
import Foundation

public final class Adam {
    public let parameters: [Tensor]
    public var learningRate: Float
    public let beta1, beta2, eps: Float
    /// Decoupled (AdamW) weight decay; 0 gives plain Adam.
    public let weightDecay: Float
    private var m: [Tensor], v: [Tensor]
    /// Each parameter's rate is `learningRate` times its scale (1 unless set).
    public var learningRateScales: [Float]
    public private(set) var step = 0

    /// The moments and step count, to save a training run and resume it.
    public var state: [String: Tensor] {
        var s: [String: Tensor] = ["step": Tensor([Float(step)], shape: [1])]
        for i in parameters.indices { s["m.\(i)"] = m[i]; s["v.\(i)"] = v[i] }
        return s
    }

    /// Restores what `state` returned for the same parameters.
    public func load(state s: [String: Tensor]) throws {
        struct Mismatch: Error, CustomStringConvertible { let description: String }
        guard let st = s["step"] else { throw Mismatch(description: "optimiser state has no step count") }
        for i in parameters.indices {
            guard let mi = s["m.\(i)"], let vi = s["v.\(i)"], mi.shape == parameters[i].shape, vi.shape == parameters[i].shape else {
                throw Mismatch(description: "optimiser state does not match parameter \(i) of shape \(parameters[i].shape)")
            }
            m[i].data.update(from: mi.data, count: mi.count); v[i].data.update(from: vi.data, count: vi.count)
        }
        step = Int(st.data[0])
    }

    public init(_ parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        m = parameters.map { Tensor(zeros: $0.shape) }
        v = parameters.map { Tensor(zeros: $0.shape) }
        learningRateScales = [Float](repeating: 1, count: parameters.count)
    }

    /// AdamW as PyTorch's torch.optim.AdamW (weight decay applied to the parameter
    /// before the moment update), with its defaults.
    public static func adamW(_ parameters: [Tensor], learningRate: Float = 1e-3, weightDecay: Float = 1e-2) -> Adam {
        Adam(parameters, learningRate: learningRate, weightDecay: weightDecay)
    }

    /// Fuses the update into the backward pass: each parameter is updated, and its
    /// gradient freed, as soon as its gradient is complete, so gradients of the whole
    /// model never exist at once. Call `beginStep()` before each backward pass instead
    /// of `step()` after it. Parameters must not be read by later backward rules once
    /// their own gradient is complete (true when each is used once, as in the models).
    public func updateDuringBackward() {
        for i in parameters.indices {
            let m = m[i], v = v[i]
            parameters[i].onGradientReady = { [unowned self] p in
                guard let g = p.grad else { return }
                self.update(p, g, m, v, rate: self.learningRate * self.learningRateScales[i])
                p.grad = nil
            }
        }
    }

    /// Starts a step whose updates `updateDuringBackward` applies.
    public func beginStep() { step += 1 }

    /// Scales every gradient by one factor so that their joint L2 norm is at most
    /// `maxNorm` (PyTorch's clip_grad_norm_: factor maxNorm / (norm + 1e-6), never above
    /// 1), so one bad batch cannot throw the weights far. Returns the norm before clipping.
    @discardableResult
    public func clipGradientNorm(_ maxNorm: Float) -> Float {
        var sum: Double = 0
        for p in parameters {
            guard let g = p.grad else { continue }
            for i in 0..<g.count { sum += Double(g.data[i]) * Double(g.data[i]) }
        }
        let norm = Float(sum.squareRoot())
        let factor = maxNorm / (norm + 1e-6)
        if factor < 1 {
            for p in parameters {
                guard let g = p.grad else { continue }
                for i in 0..<g.count { g.data[i] *= factor }
            }
        }
        return norm
    }

    /// Applies one update to every parameter that has a gradient, then clears gradients.
    public func step(zeroingGradients: Bool = true) {
        step += 1
        for i in parameters.indices {
            let p = parameters[i]
            guard let g = p.grad else { continue }
            update(p, g, m[i], v[i], rate: learningRate * learningRateScales[i])
            if zeroingGradients { p.grad = nil }
        }
    }

    private func update(_ p: Tensor, _ g: Tensor, _ m: Tensor, _ v: Tensor, rate: Float) {
        let t = Float(step)
        let bc1 = 1 - Foundation.pow(beta1, t), bc2 = 1 - Foundation.pow(beta2, t)
        let stepSize = rate / bc1, bc2Root = bc2.squareRoot()
        let decay = 1 - rate * weightDecay
        let constants = CStrataAdamStep(beta1: beta1, beta2: beta2, bias2_root: bc2Root, eps: eps, decay: decay, step_size: stepSize)
        Self.update(p.data, g.data, m.data, v.data, count: p.count, constants, isa: Int32(CSTRATA_ISA_BEST))
    }

    /// m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p·decay − step·m / (√v / √(1−β2ᵗ) + ε),
    /// over the threads. `isa` chooses the kernel's path (tests compare them).
    static func update(_ p: UnsafeMutablePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ m: UnsafeMutablePointer<Float>,
                       _ v: UnsafeMutablePointer<Float>, count: Int, _ constants: CStrataAdamStep, isa: Int32) {
        withUnsafePointer(to: constants) { c in
            Parallel.forEach(count, grain: 1 << 14) { r in
                let o = r.lowerBound
                cstrata_adam_update(isa, p + o, g + o, m + o, v + o, r.count, c)
            }
        }
    }
}
