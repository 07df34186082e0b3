// Stage 3, iterative guidance: sample with the fine-tuned UNet from seeded noise,
// conditioning on ê_a at even steps (0-based, noisiest first) and on e_opt at odd ones,
// with classifier-free guidance against the empty text.
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

    public init(steps: Int, guidanceScale: Float, scheduler: SchedulerKind) {
        self.steps = steps; self.guidanceScale = guidanceScale; self.scheduler = scheduler
    }

    /// Stage 3 as an edit's settings ask (steps, guidance scale and start, sampler).
    public init(_ s: EditSettings) {
        self.init(steps: s.samplingSteps, guidanceScale: Float(s.guidanceScale), scheduler: s.scheduler)
        guidanceStart = s.guidanceStart
    }

    /// One image [1, 3, H, W] in [0, 1] per seed.
    public func run(model: EditModel, unet: UNet2DConditionModel, subject: Tensor, mixed: Tensor, empty: Tensor,
                    latentShape: [Int], seeds: [UInt64], progress: ProgressHandler) throws -> [Tensor] {
        try seeds.enumerated().map { index, seed in
            var scheduler: any Scheduler = try self.scheduler.make(model.model.schedulerConfig, steps: steps)
            var rng = TorchRandom(seed: seed)
            let noise = Tensor.randn(latentShape, using: &rng)
            let latents: Tensor
            do {
                latents = try GuidedSampler(unet: unet).sample(
                    noise: noise, scheduler: &scheduler, unconditional: empty,
                    condition: { i in alternate && i % 2 == 0 ? subject : mixed }, guidanceScale: guidanceScale, rng: &rng, guidanceStart: guidanceStart) { step, total in
                        progress(StageProgress(stage: .sample, step: index * total + step, total: seeds.count * total, seedIndex: index))
                    }
            } catch GenerationError.cancelled { throw EditError.cancelled(.sample) }
            return model.image(latents)
        }
    }
}
