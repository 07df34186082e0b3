// Stage 1, layered controlled optimisation: with the UNet frozen, pull the subject
// embedding e_a towards the subject of the source image and the background embedding
// e_b towards the background of the reference, together:
// ‖M_s ⊙ (ε − ε_θ(x_t^s, t, e_a))‖² + ‖(1 − M_r) ⊙ (ε − ε_θ(x_t^r, t, e_b))‖².
// With a mix rate (ours), a second subject embedding for e_opt's mix is pulled to the
// same subject in the same UNet call, from the same draws, at that rate.
import StrataModels
import StrataTensor

public struct EmbeddingOptimisation {
    public struct Output {
        /// ê_a and ê_b, [1, 77, width].
        public var subject: Tensor, background: Tensor
        /// The subject embedding optimised at the mix rate, when there is one.
        public var mixSubject: Tensor?
        public var finalLosses: (object: Float, background: Float)?
    }

    public var steps: Int
    public var learningRate: Float
    public var seed: UInt64
    /// The rate of the second subject embedding, for e_opt's mix; nil: none.
    public var mixLearningRate: Float?

    public init(steps: Int, learningRate: Float, seed: UInt64) {
        self.steps = steps; self.learningRate = learningRate; self.seed = seed
    }

    /// `sourceMask` and `referenceBackground` are at latent size. With `resume`, the
    /// stage checkpoints itself and goes on from the state a stopped run saved.
    public func run(model: EditModel, source: Tensor, reference: Tensor, sourceMask: Tensor, referenceBackground: Tensor,
                    subject e0a: Tensor, background e0b: Tensor, resume: StageResume = StageResume(),
                    progress: ProgressHandler) throws -> Output {
        let ea = e0a.copy().requiringGrad(), eb = e0b.copy().requiringGrad()
        guard steps > 0 else { return Output(subject: e0a, background: e0b) }
        let mix = mixLearningRate.map { _ in e0a.copy().requiringGrad() }
        let adam = Adam([ea, eb] + (mix.map { [$0] } ?? []), learningRate: learningRate)
        if let rate = mixLearningRate { adam.learningRateScales[2] = rate / learningRate }
        let loss = LayeredLoss(objectMask: sourceMask, backgroundMask: referenceBackground)
        var rng = StrataRandom(seed: seed)
        var last: (Float, Float)?
        var first = 0
        let trained = [(name: "subject", tensor: ea), (name: "background", tensor: eb)] + (mix.map { [(name: "subject_mix", tensor: $0)] } ?? [])
        if let saved = resume.saved, let state = StageResume.restore(saved, adam: adam, trained: trained, steps: steps) {
            (first, rng, last) = state
            if first > 0 { _ = progress(StageProgress(stage: .optimise, step: first, total: steps, objectLoss: last?.0, backgroundLoss: last?.1, resumed: true)) }
        }
        var resume = resume
        func state(_ step: Int) -> StageCache.Entry { StageResume.state(step: step, rng: rng, adam: adam, last: last, trained: trained) }
        try model.checkpointing(latentSide: source.shape[2]) {
            for step in first..<steps {
                let (obj, bg, mixObj) = loss(unet: model.model.unet, model: model, source: source, reference: reference,
                                             contexts: (ea, eb), mix: mix, rng: &rng)
                let total = mixObj.map { obj + bg + $0 } ?? obj + bg
                guard total.item.isFinite else { throw EditError.diverged(stage: .optimise, step: step + 1) }
                total.backward()
                adam.step()
                last = (obj.item, bg.item)
                guard progress(StageProgress(stage: .optimise, step: step + 1, total: steps, objectLoss: last!.0, backgroundLoss: last!.1)) else {
                    resume.stepDone(cancelling: true) { state(step + 1) }
                    throw EditError.cancelled(.optimise)
                }
                if step + 1 < steps { resume.stepDone { state(step + 1) } }
            }
        }
        return Output(subject: ea.detached(), background: eb.detached(), mixSubject: mix?.detached(), finalLosses: last.map { ($0.0, $0.1) })
    }
}
