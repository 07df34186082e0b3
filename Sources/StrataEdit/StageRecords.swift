// Each stage's result as a typed record with its own encoding into a stage cache entry.
// An entry that does not decode (written by another version, cut short) is a cache miss:
// the stage is computed again, never misread.
import StrataModels
import StrataTensor

protocol StageRecord {
    init?(entry: StageCache.Entry)
    var entry: StageCache.Entry { get }
}

/// An image with a mask: stage 0's reference O_t and its subject mask M_r, and a
/// colour-matched result with the subject mask it was matched in.
struct ImageMaskRecord: StageRecord {
    let image: Tensor, mask: Tensor
    init(image: Tensor, mask: Tensor) { self.image = image; self.mask = mask }
    init?(entry: StageCache.Entry) {
        guard let image = entry["image"], let mask = entry["mask"] else { return nil }
        self.init(image: image, mask: mask)
    }
    var entry: StageCache.Entry { ["image": image, "mask": mask] }
}

/// The last step's two loss terms of stage 1 or 2, kept beside its result.
private func encode(_ losses: (Float, Float)?, into entry: inout StageCache.Entry) {
    if let l = losses { entry["losses"] = Tensor([l.0, l.1], shape: [2]) }
}
private func decodeLosses(_ entry: StageCache.Entry) -> (Float, Float)? {
    entry["losses"].map { ($0.scalars[0], $0.scalars[1]) }
}

/// Stage 1: ê_a and ê_b, the second subject embedding when one was optimised.
struct EmbeddingRecord: StageRecord {
    let subject: Tensor, background: Tensor, subjectMix: Tensor?
    let losses: (Float, Float)?
    init(subject: Tensor, background: Tensor, subjectMix: Tensor?, losses: (Float, Float)?) {
        self.subject = subject; self.background = background; self.subjectMix = subjectMix; self.losses = losses
    }
    init?(entry: StageCache.Entry) {
        guard let subject = entry["subject"], let background = entry["background"] else { return nil }
        self.init(subject: subject, background: background, subjectMix: entry["subject_mix"], losses: decodeLosses(entry))
    }
    var entry: StageCache.Entry {
        var e = ["subject": subject, "background": background]
        if let subjectMix { e["subject_mix"] = subjectMix }
        encode(losses, into: &e)
        return e
    }
}

/// Stage 2: what fine-tuning trained, as LayeredFineTuning names it ("unet.NAME" weights,
/// or "lora.LAYER.down/up" with "lora_scale"); empty when nothing was trained.
struct FineTuneRecord: StageRecord {
    let trained: StageCache.Entry
    let losses: (Float, Float)?
    init(trained: StageCache.Entry, losses: (Float, Float)?) { self.trained = trained; self.losses = losses }
    init?(entry: StageCache.Entry) {
        var trained = entry
        trained["losses"] = nil
        self.init(trained: trained, losses: decodeLosses(entry))
    }
    var entry: StageCache.Entry {
        var e = trained
        encode(losses, into: &e)
        return e
    }
}

/// Stage 3: one seed's image.
struct SampleRecord: StageRecord {
    let image: Tensor
    init(image: Tensor) { self.image = image }
    init?(entry: StageCache.Entry) {
        guard let image = entry["image"] else { return nil }
        self.init(image: image)
    }
    var entry: StageCache.Entry { ["image": image] }
}

typealias ReferenceRecord = ImageMaskRecord
typealias ColourMatchRecord = ImageMaskRecord

extension StageCache {
    /// The record under `key`, or nil when there is none or it does not decode.
    func record<R: StageRecord>(_ key: StageKey, as: R.Type = R.self) -> R? { get(key).flatMap(R.init(entry:)) }
    func put<R: StageRecord>(_ key: StageKey, _ record: R) { put(key, record.entry) }
}
