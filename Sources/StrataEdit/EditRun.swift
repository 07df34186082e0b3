// One run of LayerDiffusionEdit: its four stages (docs/method.md), each
// keyed by everything it depends on and taken from the stage cache when it is there, and
// the bookkeeping a result reports (seconds, last losses, keys, stages reused).
import Foundation
import StrataModels
import StrataTensor

struct EditRun {
    let edit: LayerDiffusionEdit
    let inputs: EditInputs
    /// The effective settings (an ablation applied).
    let s: EditSettings
    let cachedOnly: Bool
    let progress: ProgressHandler
    var times: [EditStage: Double] = [:], losses: [EditStage: (Float, Float)] = [:], keys: [EditStage: StageKey] = [:]
    var reused = Set<EditStage>()

    init(edit: LayerDiffusionEdit, inputs: EditInputs, settings: EditSettings, cachedOnly: Bool, progress: @escaping ProgressHandler) {
        self.edit = edit; self.inputs = inputs; s = settings; self.cachedOnly = cachedOnly; self.progress = progress
    }

    var model: EditModel { edit.model }
    var cache: StageCache { edit.cache }

    /// The latents and latent-size masks the trained stages share, and the placement mask.
    struct Latents {
        let source: Tensor, reference: Tensor
        let sourceMask: Tensor, referenceMask: Tensor, placement: Tensor
        let placementMask: Tensor
    }

    /// The record under `key`, or `compute`'s, timed and put in the cache.
    mutating func cached<R: StageRecord>(_ stage: EditStage, _ key: StageKey, total: Int, compute: () throws -> R) throws -> R {
        keys[stage] = key
        if let hit = cache.record(key, as: R.self) {
            reused.insert(stage)
            _ = progress(StageProgress(stage: stage, step: total, total: total))
            return hit
        }
        // A given reference costs nothing to "compute": it is the input itself.
        if cachedOnly, !(stage == .reference && inputs.reference != nil) { throw EditError.notCached(stage) }
        let t0 = Date()
        let record = try compute()
        times[stage] = Date().timeIntervalSince(t0)
        cache.put(key, record)
        return record
    }

    func checkpoints(_ key: StageKey) -> StageResume {
        StageResume(cache: cache, key: key, interval: edit.checkpointInterval, cancelMinimum: edit.checkpointOnCancelAfter)
    }

    /// Stage 0: the reference background and its subject mask.
    mutating func reference() throws -> ReferenceRecord {
        var k = StageKey.Builder("reference")
        k.add(edit.modelHash)
        if let r = inputs.reference { k.add(r); k.add(inputs.referenceMask) } else {
            k.add(inputs.subjectText); k.add(inputs.backgroundText)
            k.add(EditSettingsSchema.keyText(for: .reference, s)); k.add("\(LayerDiffusionEdit.referenceSteps) steps")
            k.add(MaskSuggestion.settingsKey)
        }
        let (inputs, s, model, progress) = (inputs, s, model, progress)
        return try cached(.reference, k.finish(), total: inputs.reference == nil ? LayerDiffusionEdit.referenceSteps : 1) {
            if let r = inputs.reference {
                return ReferenceRecord(image: r, mask: inputs.referenceMask ?? Tensor(zeros: inputs.subjectMask.shape))
            }
            var t2i = TextToImageSettings(prompt: inputs.fullText, width: inputs.source.shape[3], height: inputs.source.shape[2])
            t2i.steps = LayerDiffusionEdit.referenceSteps; t2i.guidanceScale = LayerDiffusionEdit.referenceGuidance; t2i.seed = s.referenceSeed
            var rng = TorchRandom(seed: s.referenceSeed)
            let image: Tensor
            do {
                image = try TextToImage(model: model.model).run(t2i, rng: &rng) { step, total in
                    progress(StageProgress(stage: .reference, step: step, total: total))
                }
            } catch GenerationError.cancelled { throw EditError.cancelled(.reference) }
            let mask = MaskSuggestion.diffEdit(model: model, image: image, subject: inputs.subjectText,
                                               background: inputs.backgroundText, seed: s.referenceSeed)
            return ReferenceRecord(image: image, mask: mask)
        }
    }

    /// Where the subject will stand (the placement mask) and the stages' latents.
    func latents(_ reference: ReferenceRecord) -> Latents {
        let referenceHasSubject = MaskOps.coverage(reference.mask) > 0
        let placementMask = inputs.placementMask
            ?? (inputs.placement.isIdentity ? (referenceHasSubject && inputs.reference == nil ? reference.mask : inputs.subjectMask)
                : MaskOps.placed(inputs.subjectMask, dx: inputs.placement.dx, dy: inputs.placement.dy, scale: inputs.placement.scale))
        return Latents(source: model.latents(inputs.source), reference: model.latents(reference.image),
                       sourceMask: model.latentMask(inputs.subjectMask), referenceMask: model.latentMask(reference.mask),
                       placement: model.latentMask(placementMask), placementMask: placementMask)
    }

    /// Stage 1: ê_a and ê_b.
    mutating func optimise(_ l: Latents) throws -> EmbeddingRecord {
        var k = StageKey.Builder("optimise")
        k.add(keys[.reference]!); k.add(inputs.source); k.add(inputs.subjectMask)
        k.add(inputs.subjectText); k.add(inputs.backgroundText)
        k.add(EditSettingsSchema.keyText(for: .optimise, s))
        let key = k.finish()
        let (inputs, s, model, progress, resume) = (inputs, s, model, progress, checkpoints(key))
        let record = try cached(.optimise, key, total: s.embeddingSteps) {
            var stage = EmbeddingOptimisation(steps: s.embeddingSteps, learningRate: Float(s.embeddingLR), seed: s.trainingSeed)
            if s.mixEmbeddingLR > 0 { stage.mixLearningRate = Float(s.mixEmbeddingLR) }
            let out = try stage.run(model: model, source: l.source, reference: l.reference, sourceMask: l.sourceMask,
                                    referenceBackground: MaskOps.inverted(l.referenceMask),
                                    subject: model.text(inputs.subjectText), background: model.text(inputs.backgroundText),
                                    resume: resume, progress: progress)
            return EmbeddingRecord(subject: out.subject, background: out.background, subjectMix: out.mixSubject,
                                   losses: out.finalLosses.map { ($0.object, $0.background) })
        }
        if let l = record.losses { losses[.optimise] = l }
        return record
    }

    /// e_opt = α·ê_a + (1 − α)·ê_b (the second subject embedding in place of ê_a when there is one).
    func mixed(_ e: EmbeddingRecord) -> Tensor {
        GradMode.disabled { (e.subjectMix ?? e.subject) * Float(s.alpha) + e.background * Float(1 - s.alpha) }
    }

    /// The λ1 stage 2 uses: the settings' own, or the one for the subject's size.
    var lambda1: Double { s.lambda1(subjectCoverage: MaskOps.coverage(inputs.subjectMask)) }

    /// Stage 2: the fine-tuned UNet's trained weights.
    mutating func finetune(_ l: Latents, _ e: EmbeddingRecord) throws -> FineTuneRecord {
        var k = StageKey.Builder("finetune")
        k.add(keys[.optimise]!); k.add(l.placementMask)
        var resolved = s
        resolved.lambda1 = lambda1
        k.add(EditSettingsSchema.keyText(for: .finetune, resolved))
        let key = k.finish()
        let (s, model, progress, resume, lambda1, mixed) = (s, model, progress, checkpoints(key), lambda1, mixed(e))
        let record = try cached(.finetune, key, total: s.finetuneSteps) {
            let bg = GradMode.disabled { MaskOps.inverted(l.placement) * MaskOps.inverted(l.referenceMask) }
            var stage = LayeredFineTuning(steps: s.finetuneSteps, learningRate: Float(s.finetuneLR), lambda1: Float(lambda1),
                                          lambda2: Float(s.lambda2), mode: s.finetuneMode, seed: s.trainingSeed &+ 1)
            stage.objectNoiseWeight = Float(s.objectNoiseWeight); stage.backgroundNoiseWeight = Float(s.backgroundNoiseWeight)
            let (trained, last) = try stage.run(model: model, source: l.source, reference: l.reference, objectMask: l.sourceMask,
                                                backgroundMask: bg, embedding: mixed, loraRank: s.loraRank, resume: resume, progress: progress)
            return FineTuneRecord(trained: trained, losses: last)
        }
        if let l = record.losses { losses[.finetune] = l }
        return record
    }

    /// Stage 3: one image per seed, each cached on its own; then the colour match, if asked.
    mutating func sample(_ l: Latents, _ e: EmbeddingRecord, _ tuned: FineTuneRecord) throws -> (images: [Tensor], masks: [Tensor]?) {
        let mixed = mixed(e), s = s
        let sampleKeys = s.seeds.map { seed -> StageKey in
            var k = StageKey.Builder("sample")
            k.add(keys[.finetune]!); k.add(mixed); k.add(e.subject)
            k.add(EditSettingsSchema.keyText(for: .sample, s)); k.add("seed=\(seed)")
            return k.finish()
        }
        keys[.sample] = sampleKeys.first
        var found: [Tensor?] = sampleKeys.map { cache.record($0, as: SampleRecord.self)?.image }
        let allCached = !found.contains { $0 == nil }
        var seconds = 0.0
        if !allCached {
            if cachedOnly { throw EditError.notCached(.sample) }
            let (model, cache, progress) = (model, cache, progress)
            // Only seeds missing from the cache need the fine-tuned UNet.
            try LayeredFineTuning.withFineTuned(model.model.unet, tuned.trained) { unet in
                let latentShape = [1, model.model.unet.config.inChannels, l.source.shape[2], l.source.shape[3]]
                var guidance = IterativeGuidance(s)
                guidance.alternate = s.ablation != .noIterativeGuidance
                guidance.placement = l.placement
                let missing = s.seeds.indices.filter { found[$0] == nil }
                let before = s.seeds.count - missing.count
                let t0 = Date()
                _ = try guidance.run(model: model, unet: unet, subject: e.subject, mixed: mixed, empty: model.text(""), latentShape: latentShape,
                                     seeds: missing.map { s.seeds[$0] }, finished: { i, image in
                                         // Cached at once, so a cancelled stage keeps the seeds it finished.
                                         cache.put(sampleKeys[missing[i]], SampleRecord(image: image))
                                         found[missing[i]] = image
                                     }) { p in
                    var q = p
                    q.step = before * s.samplingSteps + p.step; q.total = s.seeds.count * s.samplingSteps
                    q.seedIndex = p.seedIndex.map { missing[$0] }
                    return progress(q)
                }
                seconds += Date().timeIntervalSince(t0)
            }
        }
        var images = found.map { $0! }, masks: [Tensor]?
        if s.colourMatch > 0 {
            let t0 = Date()
            let matched = try edit.colourMatched(images, sampleKeys: sampleKeys, inputs: inputs, strength: s.colourMatch, cachedOnly: cachedOnly)
            images = matched.map(\.image)
            masks = matched.map(\.mask)
            seconds += Date().timeIntervalSince(t0)
        }
        if allCached { reused.insert(.sample) }
        times[.sample] = seconds
        return (images, masks)
    }

    func result(_ sampled: (images: [Tensor], masks: [Tensor]?), reference: ReferenceRecord, latents: Latents, embeddings: EmbeddingRecord) -> EditResult {
        var r = EditResult(images: sampled.images, reference: reference.image, referenceMask: reference.mask, placementMask: latents.placementMask,
                           subjectEmbedding: embeddings.subject, mixedEmbedding: mixed(embeddings))
        r.stageSeconds = times; r.finalLosses = losses; r.keys = keys; r.reused = reused
        r.lambda1 = lambda1; r.resultMasks = sampled.masks
        return r
    }
}
