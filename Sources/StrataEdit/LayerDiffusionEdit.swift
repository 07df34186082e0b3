// The whole edit, stage by stage (../shared/design/method.md): 0 reference, 1 layered
// embedding optimisation, 2 layered fine-tuning, 3 iterative guidance. Each stage's
// result is looked up in the stage cache under a key of everything it depends on, so a
// change reruns only the stages it makes stale.
import Foundation
import StrataModels
import StrataTensor

public struct EditResult {
    /// One image [1, 3, H, W] in [0, 1] per seed, in the settings' seed order.
    public var images: [Tensor]
    public var reference: Tensor
    public var referenceMask: Tensor
    public var placementMask: Tensor
    /// ê_a and e_opt.
    public var subjectEmbedding: Tensor, mixedEmbedding: Tensor
    /// Seconds spent per stage in this run (0 for a stage taken from the cache).
    public var stageSeconds: [EditStage: Double] = [:]
    /// The last step's (object, background) losses of stages 1 and 2.
    public var finalLosses: [EditStage: (Float, Float)] = [:]
    public var keys: [EditStage: StageKey] = [:]
    /// Stages whose result came from the cache.
    public var reused: Set<EditStage> = []
    /// The λ1 stage 2 used (the settings' own, or the one picked for the subject's size).
    public var lambda1 = EditSettings.lambda1Default
    /// Each result's subject mask, suggested on it, when colour matching needed it.
    public var resultMasks: [Tensor]?

    public init(images: [Tensor], reference: Tensor, referenceMask: Tensor, placementMask: Tensor,
                subjectEmbedding: Tensor, mixedEmbedding: Tensor) {
        self.images = images; self.reference = reference; self.referenceMask = referenceMask
        self.placementMask = placementMask; self.subjectEmbedding = subjectEmbedding; self.mixedEmbedding = mixedEmbedding
    }

    /// Another run's images after these (a sweep's runs shown together); result masks are
    /// kept only when both runs have them, so that they stay one per image.
    public mutating func append(_ other: EditResult) {
        resultMasks = resultMasks.flatMap { mine in other.resultMasks.map { mine + $0 } }
        images += other.images
        reused.formIntersection(other.reused)
    }

    /// This result with only the images at `indices` (and their masks).
    public func picking(_ indices: [Int]) -> EditResult {
        var r = self
        r.images = indices.map { images[$0] }
        r.resultMasks = resultMasks.map { masks in indices.map { masks[$0] } }
        return r
    }
}

public final class LayerDiffusionEdit {
    public let model: EditModel
    public let modelHash: String
    public let cache: StageCache
    /// Jobs whose estimated peak memory is above this are refused before they start.
    public var memoryLimit = MemoryEstimate.available
    /// Seconds between checkpoints inside stages 1 and 2 (StageResume).
    public var checkpointInterval: TimeInterval = 60
    /// A cancelled stage 1 or 2 saves its state when its last checkpoint is at least this
    /// old: the editor cancels within seconds as settings change; a command stopped by
    /// the user saves at once.
    public var checkpointOnCancelAfter: TimeInterval = 5

    public init(model: EditModel, modelHash: String, cache: StageCache = StageCache()) {
        self.model = model; self.modelHash = modelHash; self.cache = cache
    }

    /// Steps and guidance of a generated reference: fixed, so that changing the sampling
    /// settings reruns stage 3 only.
    public static let referenceSteps = 50, referenceGuidance = 7.5

    /// With `cachedOnly`, nothing is computed: the result comes whole from the stage cache
    /// or the run throws `notCached` (how an interface shows an earlier setting at once).
    public func run(_ inputs: EditInputs, settings: EditSettings, cachedOnly: Bool = false,
                    progress: ProgressHandler = { _ in true }) throws -> EditResult {
        try inputs.validate()
        let estimate = MemoryEstimate.edit(model: model, settings: settings, side: inputs.source.shape[3])
        guard estimate.peakBytes <= memoryLimit else { throw EditError.memory(needed: estimate.peakBytes, limit: memoryLimit) }
        let s = settings.effective
        let f = model.factor * (1 << (model.model.unet.config.blockOutChannels.count - 1))
        guard inputs.source.shape[2] % f == 0, inputs.source.shape[3] % f == 0 else {
            throw EditError.input("the image must be a multiple of \(f) pixels on each side")
        }
        var times: [EditStage: Double] = [:], losses: [EditStage: (Float, Float)] = [:], keys: [EditStage: StageKey] = [:]
        var reused = Set<EditStage>()
        func timed<T>(_ stage: EditStage, _ body: () throws -> T) rethrows -> T {
            let t0 = Date()
            defer { times[stage] = Date().timeIntervalSince(t0) }
            return try body()
        }
        func cached(_ stage: EditStage, _ key: StageKey, total: Int, compute: () throws -> StageCache.Entry) throws -> StageCache.Entry {
            keys[stage] = key
            if let hit = cache.get(key) {
                reused.insert(stage)
                _ = progress(StageProgress(stage: stage, step: total, total: total))
                return hit
            }
            // A given reference costs nothing to "compute": it is the input itself.
            if cachedOnly, !(stage == .reference && inputs.reference != nil) { throw EditError.notCached(stage) }
            let entry = try timed(stage, compute)
            cache.put(key, entry)
            return entry
        }

        // Stage 0: the reference background and its subject mask.
        var k0 = StageKey.Builder("reference")
        k0.add(modelHash)
        if let r = inputs.reference { k0.add(r); k0.add(inputs.referenceMask) } else {
            k0.add(inputs.subjectText); k0.add(inputs.backgroundText)
            k0.add(EditSettingsSchema.keyText(for: .reference, s)); k0.add("\(Self.referenceSteps) steps")
            k0.add(MaskSuggestion.settingsKey)
        }
        let reference = try cached(.reference, k0.finish(), total: inputs.reference == nil ? Self.referenceSteps : 1) {
            if let r = inputs.reference {
                return ["image": r, "mask": inputs.referenceMask ?? Tensor(zeros: inputs.subjectMask.shape)]
            }
            var t2i = TextToImageSettings(prompt: inputs.fullText, width: inputs.source.shape[3], height: inputs.source.shape[2])
            t2i.steps = Self.referenceSteps; t2i.guidanceScale = Self.referenceGuidance; t2i.seed = s.referenceSeed
            var rng = TorchRandom(seed: s.referenceSeed)
            let image: Tensor
            do {
                image = try TextToImage(model: model.model).run(t2i, rng: &rng) { step, total in
                    progress(StageProgress(stage: .reference, step: step, total: total))
                }
            } catch GenerationError.cancelled { throw EditError.cancelled(.reference) }
            let mask = MaskSuggestion.diffEdit(model: model, image: image, subject: inputs.subjectText,
                                               background: inputs.backgroundText, seed: s.referenceSeed)
            return ["image": image, "mask": mask]
        }
        let referenceImage = reference["image"]!, referenceMask = reference["mask"]!
        let referenceHasSubject = MaskOps.coverage(referenceMask) > 0
        let placementMask = inputs.placementMask
            ?? (inputs.placement.isIdentity ? (referenceHasSubject && inputs.reference == nil ? referenceMask : inputs.subjectMask)
                : MaskOps.placed(inputs.subjectMask, dx: inputs.placement.dx, dy: inputs.placement.dy, scale: inputs.placement.scale))

        let xs = model.latents(inputs.source), xr = model.latents(referenceImage)
        let ms = model.latentMask(inputs.subjectMask), mr = model.latentMask(referenceMask), mt = model.latentMask(placementMask)

        // Stage 1: ê_a, ê_b.
        var k1 = StageKey.Builder("optimise")
        k1.add(keys[.reference]!); k1.add(inputs.source); k1.add(inputs.subjectMask)
        k1.add(inputs.subjectText); k1.add(inputs.backgroundText)
        k1.add(EditSettingsSchema.keyText(for: .optimise, s))
        let key1 = k1.finish()
        let embeddings = try cached(.optimise, key1, total: s.embeddingSteps) {
            var stage = EmbeddingOptimisation(steps: s.embeddingSteps, learningRate: Float(s.embeddingLR), seed: s.trainingSeed)
            if s.mixEmbeddingLR > 0 { stage.mixLearningRate = Float(s.mixEmbeddingLR) }
            let out = try stage.run(model: model, source: xs, reference: xr, sourceMask: ms, referenceBackground: MaskOps.inverted(mr),
                     subject: model.text(inputs.subjectText), background: model.text(inputs.backgroundText),
                     resume: StageResume(cache: cache, key: key1, interval: checkpointInterval, cancelMinimum: checkpointOnCancelAfter), progress: progress)
            var entry = ["subject": out.subject, "background": out.background]
            if let m = out.mixSubject { entry["subject_mix"] = m }
            if let l = out.finalLosses { entry["losses"] = Tensor([l.object, l.background], shape: [2]) }
            return entry
        }
        if let l = embeddings["losses"]?.scalars { losses[.optimise] = (l[0], l[1]) }
        let ea = embeddings["subject"]!, eb = embeddings["background"]!
        let mixed = GradMode.disabled { (embeddings["subject_mix"] ?? ea) * Float(s.alpha) + eb * Float(1 - s.alpha) }

        // Stage 2: the fine-tuned UNet's trained weights.
        let lambda1 = s.lambda1(subjectCoverage: MaskOps.coverage(inputs.subjectMask))
        var k2 = StageKey.Builder("finetune")
        k2.add(keys[.optimise]!); k2.add(placementMask)
        var resolved = s
        resolved.lambda1 = lambda1
        k2.add(EditSettingsSchema.keyText(for: .finetune, resolved))
        let key2 = k2.finish()
        let tuned = try cached(.finetune, key2, total: s.finetuneSteps) {
            let bg = GradMode.disabled { MaskOps.inverted(mt) * MaskOps.inverted(mr) }
            var stage = LayeredFineTuning(steps: s.finetuneSteps, learningRate: Float(s.finetuneLR), lambda1: Float(lambda1),
                                          lambda2: Float(s.lambda2), mode: s.finetuneMode, seed: s.trainingSeed &+ 1)
            stage.objectNoiseWeight = Float(s.objectNoiseWeight); stage.backgroundNoiseWeight = Float(s.backgroundNoiseWeight)
            var (entry, last) = try stage.run(model: model, source: xs, reference: xr, objectMask: ms, backgroundMask: bg, embedding: mixed,
                     loraRank: s.loraRank, resume: StageResume(cache: cache, key: key2, interval: checkpointInterval, cancelMinimum: checkpointOnCancelAfter), progress: progress)
            if let last { entry["losses"] = Tensor([last.0, last.1], shape: [2]) }
            return entry
        }
        if let l = tuned["losses"]?.scalars { losses[.finetune] = (l[0], l[1]) }

        // Stage 3: one image per seed, each cached on its own.
        var sampleSeconds = 0.0
        let sampleKeys = s.seeds.map { seed -> StageKey in
            var k3 = StageKey.Builder("sample")
            k3.add(keys[.finetune]!); k3.add(mixed); k3.add(ea)
            k3.add(EditSettingsSchema.keyText(for: .sample, s)); k3.add("seed=\(seed)")
            return k3.finish()
        }
        keys[.sample] = sampleKeys.first
        var found: [Tensor?] = sampleKeys.map { cache.get($0)?["image"] }
        let allCached = !found.contains { $0 == nil }
        if !allCached {
            if cachedOnly { throw EditError.notCached(.sample) }
            // Only seeds missing from the cache need the fine-tuned UNet.
            try LayeredFineTuning.withFineTuned(model.model.unet, tuned) { unet in
                let empty = model.text("")
                let latentShape = [1, model.model.unet.config.inChannels, xs.shape[2], xs.shape[3]]
                var guidance = IterativeGuidance(s)
                guidance.alternate = s.ablation != .noIterativeGuidance
                guidance.placement = mt
                let missing = s.seeds.indices.filter { found[$0] == nil }
                let before = s.seeds.count - missing.count
                let t0 = Date()
                _ = try guidance.run(model: model, unet: unet, subject: ea, mixed: mixed, empty: empty, latentShape: latentShape,
                                     seeds: missing.map { s.seeds[$0] }, finished: { i, image in
                                         // Cached at once, so a cancelled stage keeps the seeds it finished.
                                         cache.put(sampleKeys[missing[i]], ["image": image])
                                         found[missing[i]] = image
                                     }) { p in
                    var q = p
                    q.step = before * s.samplingSteps + p.step; q.total = s.seeds.count * s.samplingSteps
                    q.seedIndex = p.seedIndex.map { missing[$0] }
                    return progress(q)
                }
                sampleSeconds += Date().timeIntervalSince(t0)
            }
        }
        var images = found.map { $0! }
        var resultMasks: [Tensor]?
        if s.colourMatch > 0 {
            let t0 = Date()
            let matched = try colourMatched(images, sampleKeys: sampleKeys, inputs: inputs, strength: s.colourMatch, cachedOnly: cachedOnly)
            images = matched.map { $0["image"]! }
            resultMasks = matched.map { $0["mask"]! }
            sampleSeconds += Date().timeIntervalSince(t0)
        }
        if allCached { reused.insert(.sample) }
        times[.sample] = sampleSeconds
        var result = EditResult(images: images, reference: referenceImage, referenceMask: referenceMask, placementMask: placementMask,
                                subjectEmbedding: ea, mixedEmbedding: mixed)
        result.stageSeconds = times; result.finalLosses = losses; result.keys = keys; result.reused = reused
        result.lambda1 = lambda1; result.resultMasks = resultMasks
        return result
    }

    /// The sampled images with their subjects (the masks suggested on them) moved to the
    /// source subject's colours, each cached beside the sample it comes from; those missing
    /// from the cache are matched together.
    func colourMatched(_ images: [Tensor], sampleKeys: [StageKey], inputs: EditInputs, strength: Double,
                       cachedOnly: Bool) throws -> [StageCache.Entry] {
        let keys = sampleKeys.map { sampleKey -> StageKey in
            var k = StageKey.Builder("colour match")
            k.add(sampleKey); k.add("\(strength) \(ColourMatch.spreadLimit)"); k.add(MaskSuggestion.settingsKey)
            return k.finish()
        }
        var entries = keys.map { cache.get($0) }
        let missing = entries.indices.filter { entries[$0] == nil }
        if missing.isEmpty { return entries.map { $0! } }
        if cachedOnly { throw EditError.notCached(.sample) }
        let matched = ColourMatch.onResults(missing.map { images[$0] }, model: model, inputs: inputs, strength: strength)
        for (i, m) in zip(missing, matched) {
            entries[i] = ["image": m.image, "mask": m.mask]
            cache.put(keys[i], entries[i]!)
        }
        return entries.map { $0! }
    }
}
