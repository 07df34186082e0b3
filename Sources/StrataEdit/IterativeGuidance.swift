// Stage 3, iterative guidance: sample with the fine-tuned UNet from seeded noise,
// conditioning on ê_a at even steps (0-based, noisiest first) and on e_opt at odd ones,
// with classifier-free guidance against the empty text.
// Identity guidance (ours, not the paper's): at the steps on e_opt, inside the placement
// mask, guidance's unconditional prediction comes partly or wholly from the UNet before
// fine-tuning, so the guided direction carries what fine-tuning learnt of the subject's
// look and the guidance scale amplifies it there. The steps on ê_a, which ask for the
// new pose, and everything outside the mask keep the paper's guidance.
import StrataModels
import StrataTensor

public struct IterativeGuidance {
    public var steps: Int
    public var guidanceScale: Float
    public var scheduler: SchedulerKind
    /// Off for the ablation: always e_opt.
    public var alternate = true
    /// The share of the steps, noisiest first, that run without guidance.
    public var guidanceStart = 0.0
    /// How far (0: the paper) the unconditional prediction inside `placement` moves to
    /// the base UNet's; above 1 it goes beyond it.
    public var identityGuidance: Float = 0
    /// Where the subject will stand, at latent size [1, 1, h, w] (coverage shares).
    public var placement: Tensor?

    public init(steps: Int, guidanceScale: Float, scheduler: SchedulerKind) {
        self.steps = steps; self.guidanceScale = guidanceScale; self.scheduler = scheduler
    }

    /// Stage 3 as an edit's settings ask (steps, guidance scale and start, sampler).
    public init(_ s: EditSettings) {
        self.init(steps: s.samplingSteps, guidanceScale: Float(s.guidanceScale), scheduler: s.scheduler)
        guidanceStart = s.guidanceStart
        identityGuidance = Float(s.identityGuidance)
    }

    /// Whether step i (0-based, noisiest first) is conditioned on ê_a; the others are on e_opt.
    func onSubject(_ i: Int) -> Bool { alternate && i % 2 == 0 }

    /// Whether sampling with `unet` runs identity guidance: only with a placement and a UNet
    /// that differs from `base` (fine-tuned weights, or the base with adapters).
    public func identityGuided(_ unet: UNet2DConditionModel, base: UNet2DConditionModel) -> Bool {
        identityGuidance > 0 && placement != nil && unet !== base
    }

    /// The base UNet's unconditional prediction, weighted by the placement mask, at the
    /// steps on e_opt (every step without the alternation).
    func identityBlend(_ unet: UNet2DConditionModel, base: UNet2DConditionModel) -> GuidedSampler.UnconditionalBlend? {
        guard identityGuided(unet, base: base), let placement else { return nil }
        return GuidedSampler.UnconditionalBlend(weight: placement * identityGuidance, at: { [self] i in !onSubject(i) }) { x, t, context in
            base(x, timesteps: t, context: context)
        }
    }

    /// Whether the seeds are sampled together, as one batch: only with a deterministic
    /// sampler, whose steps draw no noise (an ancestral sampler's would depend on which
    /// seeds share the batch), and only at small latents: four seeds of the built-in
    /// model together cost 1.4 times less than one after another (docs/performance.md),
    /// while at Stable Diffusion sizes the products are large already and the batch would
    /// multiply the sampling memory.
    public func samplesTogether(_ seeds: [UInt64], latentSide: Int) -> Bool {
        seeds.count > 1 && scheduler != .eulerAncestral && latentSide < Self.togetherBelowLatentSide
    }

    /// Latents at least this wide go one image at a time (see `samplesTogether`).
    public static let togetherBelowLatentSide = 32

    /// One image [1, 3, H, W] in [0, 1] per seed. `finished(i, image)` is called for seed i
    /// as soon as its image is done (when seeds go one at a time, before the next starts).
    public func run(model: EditModel, unet: UNet2DConditionModel, subject: Tensor, mixed: Tensor, empty: Tensor,
                    latentShape: [Int], seeds: [UInt64], finished: (Int, Tensor) -> Void = { _, _ in },
                    progress: ProgressHandler) throws -> [Tensor] {
        let groups = samplesTogether(seeds, latentSide: latentShape[2]) ? [seeds] : seeds.map { [$0] }
        var done = 0
        return try groups.flatMap { group -> [Tensor] in
            var scheduler: any Scheduler = try self.scheduler.make(model.model.schedulerConfig, steps: steps)
            // Each seed's starting noise from its own generator, as when it is sampled alone;
            // a seed sampled alone goes on drawing the sampler's noise from it.
            var generators = group.map { TorchRandom(seed: $0) }
            let noise = Tensor.concat(generators.indices.map { Tensor.randn(latentShape, using: &generators[$0]) }, axis: 0)
            var rng = generators[0]
            let first = done
            let latents: Tensor
            do {
                var sampler = GuidedSampler(unet: unet)
                sampler.unconditionalBlend = identityBlend(unet, base: model.model.unet)
                latents = try sampler.sample(
                    noise: noise, scheduler: &scheduler, unconditional: empty,
                    condition: { i in onSubject(i) ? subject : mixed }, guidanceScale: guidanceScale, rng: &rng,
                    guidanceStart: guidanceStart) { step, total in
                        progress(StageProgress(stage: .sample, step: first * total + step * group.count, total: seeds.count * total,
                                               seedIndex: group.count == 1 ? first : nil))
                    }
            } catch GenerationError.cancelled { throw EditError.cancelled(.sample) }
            let images = latents.chunk(group.count, axis: 0).map { model.image($0) }
            for (offset, image) in images.enumerated() { finished(first + offset, image) }
            done += group.count
            return images
        }
    }
}
