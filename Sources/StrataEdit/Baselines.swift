// The baselines LayerDiffusion is compared with, in the same engine on the same model
// (docs/method.md):
// - text-to-image from T = T_a + " " + T_b, no source image;
// - SDEdit: the source noised to a strength, then denoised with T (DDIM), as diffusers'
//   StableDiffusionImg2ImgPipeline does;
// - Imagic: one embedding of T optimised on the whole source, the UNet fine-tuned on
//   the whole source with it, then sampling from a mix of it and Enc(T).
import StrataModels
import StrataTensor

public enum EditMethod: String, Codable, CaseIterable, Sendable {
    case layerdiffusion, txt2img, sdedit, imagic
}

public struct Baselines {
    public let model: EditModel
    /// Imagic's trained parts for one source, by training settings (a tuning sweep runs
    /// many sampling settings on each); nil keeps nothing.
    public var imagicCache: ImagicCache?
    public init(model: EditModel, imagicCache: ImagicCache? = nil) { self.model = model; self.imagicCache = imagicCache }

    /// A baseline's images as an edit result: the source stands in for the reference,
    /// and the subject mask for the placement. With `colour_match` set, the images are
    /// finished as LayerDiffusion's are, so that methods are compared with the same step.
    public func result(_ method: EditMethod, inputs: EditInputs, settings s: EditSettings, progress: ProgressHandler) throws -> EditResult {
        var images = try sampled(method, inputs: inputs, settings: s, progress: progress)
        var masks: [Tensor]?
        if s.colourMatch > 0 {
            let matched = ColourMatch.onResults(images, model: model, inputs: inputs, strength: s.colourMatch)
            images = matched.map(\.image); masks = matched.map(\.mask)
        }
        var result = EditResult(images: images, reference: inputs.source, referenceMask: Tensor(zeros: inputs.subjectMask.shape),
                                placementMask: inputs.subjectMask, subjectEmbedding: model.text(inputs.subjectText),
                                mixedEmbedding: model.text(inputs.fullText))
        result.resultMasks = masks
        return result
    }

    /// Each seed's image, as `result` gives them.
    public func run(_ method: EditMethod, inputs: EditInputs, settings s: EditSettings, progress: ProgressHandler) throws -> [Tensor] {
        try result(method, inputs: inputs, settings: s, progress: progress).images
    }

    func sampled(_ method: EditMethod, inputs: EditInputs, settings s: EditSettings, progress: ProgressHandler) throws -> [Tensor] {
        let text = model.text(inputs.fullText), empty = model.text("")
        let x0 = model.latents(inputs.source)
        let shape = x0.shape
        switch method {
        case .layerdiffusion:
            preconditionFailure("Baselines: LayerDiffusion runs through LayerDiffusionEdit")
        case .txt2img:
            return try sample(model.model.unet, condition: text, empty: empty, shape: shape, settings: s, progress: progress)
        case .sdedit:
            // diffusers' img2img: the last ⌊steps × strength⌋ steps (at least one), from a
            // sample of the source's latent distribution noised to the first of them; the
            // seed's generator draws that sample, then the noise.
            let scheduler: any Scheduler = try SchedulerKind.ddim.make(model.model.schedulerConfig, steps: s.samplingSteps)
            let denoised = max(1, min(Int(Double(s.samplingSteps) * s.sdeditStrength), s.samplingSteps))
            let start = s.samplingSteps - denoised
            let t = Int(scheduler.timesteps[start])
            return try s.seeds.enumerated().map { index, seed in
                var posterior: TorchRandom? = TorchRandom(seed: seed)
                let sampled = GradMode.disabled { model.model.vae.encode(inputs.source * 2 - 1, sample: &posterior) }
                var rng = posterior!
                let noised = model.schedule.addNoise(sampled, noise: Tensor.randn(shape, using: &rng), timesteps: [t])
                var sch = scheduler
                let latents = try GuidedSampler(unet: model.model.unet).sample(
                    noise: noised, scheduler: &sch, unconditional: empty, condition: { _ in text },
                    guidanceScale: Float(s.sdeditGuidanceScale), rng: &rng, startLatents: noised, fromStep: start,
                    guidanceStart: s.guidanceStart) { step, total in
                        progress(StageProgress(stage: .sample, step: index * total + step, total: s.seeds.count * total, seedIndex: index))
                    }
                return model.image(latents)
            }
        case .imagic:
            let (optimised, entry) = try imagicTraining(text: text, source: x0, settings: s, progress: progress)
            let share = Float(s.imagicTextShare)
            let mixed = GradMode.disabled { text * share + optimised * (1 - share) }
            return try LayeredFineTuning.withFineTuned(model.model.unet, entry) { unet in
                try sample(unet, condition: mixed, empty: empty, shape: shape, settings: s, progress: progress)
            }
        }
    }

    /// Imagic's embedding of T optimised on the whole source, and the UNet fine-tuned on
    /// the whole source with it; kept in `imagicCache` for settings that differ only in
    /// how they sample.
    func imagicTraining(text: Tensor, source x0: Tensor, settings s: EditSettings,
                        progress: ProgressHandler) throws -> (embedding: Tensor, unet: StageCache.Entry) {
        let key = "\(s.imagicEmbeddingSteps) \(s.embeddingLR) \(s.imagicFinetuneLR) \(s.finetuneSteps) \(s.finetuneMode) \(s.loraRank) \(s.trainingSeed)"
        if let cached = imagicCache?.entries[key] { return cached }
        let shape = x0.shape
        let whole = Tensor(repeating: 1, shape: [1, 1, shape[2], shape[3]]), nothing = Tensor(zeros: [1, 1, shape[2], shape[3]])
        let optimised = try EmbeddingOptimisation(steps: s.imagicEmbeddingSteps, learningRate: Float(s.embeddingLR), seed: s.trainingSeed)
            .run(model: model, source: x0, reference: x0, sourceMask: whole, referenceBackground: nothing,
                 subject: text, background: text, progress: progress).subject
        let (entry, _) = try LayeredFineTuning(steps: s.finetuneSteps, learningRate: Float(s.imagicFinetuneLR), lambda1: 1, lambda2: 0,
                                               mode: s.finetuneMode, seed: s.trainingSeed &+ 1)
            .run(model: model, source: x0, reference: x0, objectMask: whole, backgroundMask: nothing, embedding: optimised,
                 loraRank: s.loraRank, progress: progress)
        imagicCache?.entries[key] = (optimised, entry)
        return (optimised, entry)
    }

    func sample(_ unet: UNet2DConditionModel, condition: Tensor, empty: Tensor, shape: [Int], settings s: EditSettings,
                progress: ProgressHandler) throws -> [Tensor] {
        var guidance = IterativeGuidance(s)
        guidance.alternate = false
        return try guidance.run(model: model, unet: unet, subject: condition, mixed: condition, empty: empty, latentShape: shape,
                                seeds: s.seeds, progress: progress)
    }
}
