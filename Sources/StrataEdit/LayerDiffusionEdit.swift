// The whole edit, stage by stage (docs/method.md): 0 reference, 1 layered
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
        let f = model.factor * (1 << (model.model.unet.config.blockOutChannels.count - 1))
        guard inputs.source.shape[2] % f == 0, inputs.source.shape[3] % f == 0 else {
            throw EditError.input("the image must be a multiple of \(f) pixels on each side")
        }
        return try withoutActuallyEscaping(progress) { progress in
            var run = EditRun(edit: self, inputs: inputs, settings: settings.effective, cachedOnly: cachedOnly, progress: progress)
            let reference = try run.reference()                          // stage 0
            let latents = run.latents(reference)
            let embeddings = try run.optimise(latents)                   // stage 1
            let tuned = try run.finetune(latents, embeddings)            // stage 2
            let images = try run.sample(latents, embeddings, tuned)      // stage 3
            return run.result(images, reference: reference, latents: latents, embeddings: embeddings)
        }
    }

    /// The sampled images with their subjects (the masks suggested on them) moved to the
    /// source subject's colours, each cached beside the sample it comes from; those missing
    /// from the cache are matched together.
    func colourMatched(_ images: [Tensor], sampleKeys: [StageKey], inputs: EditInputs, strength: Double,
                       cachedOnly: Bool) throws -> [ColourMatchRecord] {
        let keys = sampleKeys.map { sampleKey -> StageKey in
            var k = StageKey.Builder("colour match")
            k.add(sampleKey); k.add("\(strength) \(ColourMatch.spreadLimit)"); k.add(MaskSuggestion.settingsKey)
            return k.finish()
        }
        var records = keys.map { cache.record($0, as: ColourMatchRecord.self) }
        let missing = records.indices.filter { records[$0] == nil }
        if missing.isEmpty { return records.map { $0! } }
        if cachedOnly { throw EditError.notCached(.sample) }
        let matched = ColourMatch.onResults(missing.map { images[$0] }, model: model, inputs: inputs, strength: strength)
        for (i, m) in zip(missing, matched) {
            records[i] = ColourMatchRecord(image: m.image, mask: m.mask)
            cache.put(keys[i], records[i]!)
        }
        return records.map { $0! }
    }
}
