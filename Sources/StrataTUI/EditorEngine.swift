// The engine side of the editor: the model, the stage cache and the running job. It
// turns a job request into an EditJob on its own thread (one edit, a sweep of edits,
// or a baseline) and hands back pictures; the interface polls it and never waits.
// One user of the model at a time: a job, a mask suggestion or a cache lookup holds
// `modelLock` (the weights, the stage cache and the schedule are shared), and a new job
// waits, on its own thread, for the one it cancelled to end.
import Foundation
import StrataEdit
import StrataLayers
import StrataModels
import StrataTensor

public final class EditorEngine {
    public let model: EditModel
    public let edit: LayerDiffusionEdit
    public let modelName: String
    public var givenReference: Tensor?
    var job: EditJob?
    var running: JobRequest?
    var started = Date()
    /// Where the running job states its expected duration.
    var note = JobNote()
    /// The last finished run, for saving its full outputs.
    public private(set) var last: (request: JobRequest, result: EditResult, settings: [EditSettings])?
    var lastProgress: StageProgress?
    /// Loads the layered model for the new-image mode, on first use.
    public var loadLayeredModel: (() throws -> LayeredModel)?
    var layeredModel: LayeredModel?
    var layersJob: BackgroundJob<[LayeredCandidate]>?
    var layersStep = -1
    /// Held by whatever uses the edit model: jobs, mask suggestions, cache lookups.
    let modelLock = NSLock()

    public init(model: EditModel, modelHash: String, modelName: String, cacheFolder: URL?) {
        self.model = model
        self.modelName = modelName
        edit = LayerDiffusionEdit(model: model, modelHash: modelHash, cache: StageCache(folder: cacheFolder))
    }

    public var side: Int { model.model.vae.config.sampleSize }

    public func inputs(source: Picture, request: JobRequest) -> EditInputs {
        var inputs = EditInputs(source: Self.tensor(source), subjectMask: Tensor(request.mask.map(Float.init), shape: [1, 1, source.side, source.side]),
                                subjectText: request.subject, backgroundText: request.background)
        inputs.placement = request.placement
        if let r = givenReference { inputs.reference = r; inputs.referenceMask = Tensor(zeros: inputs.subjectMask.shape) }
        return inputs
    }

    /// The settings of each run a request makes: one, or one per sweep value.
    public static func runs(_ request: JobRequest) -> [(settings: EditSettings, value: String?)] {
        let base = request.settings
        guard let sweep = request.sweep else { return [(base.preset.apply(to: base.edit), nil)] }
        return sweep.values.map { v in
            var s = base
            _ = sweep.parameter.set(&s, v)
            return (s.preset.apply(to: s.edit), v)
        }
    }

    public func start(_ request: JobRequest, source: Picture) {
        let previous = job
        previous?.cancel()
        let inputs = inputs(source: source, request: request)
        let runs = Self.runs(request)
        let method = request.settings.method
        let edit = self.edit, model = self.model, lock = modelLock
        running = request
        started = Date()
        lastProgress = nil
        let note = JobNote()
        self.note = note
        job = EditJob(after: previous.map { p in { @Sendable in p.wait() } }) { progress in
            lock.lock()
            defer { lock.unlock() }
            if method == .layerdiffusion {
                let time = EditTimeEstimate.forRuns(edit, inputs, runs: runs.map(\.settings),
                                                    sweptFrom: request.sweep.map { $0.parameter.firstStale ?? .reference })
                note.post(time?.brief ?? "every stage cached")
            }
            var combined: EditResult?
            for run in runs {
                let r: EditResult
                if method == .layerdiffusion {
                    r = try edit.run(inputs, settings: run.settings, progress: progress)
                } else {
                    r = try Baselines(model: model).result(method, inputs: inputs, settings: run.settings, progress: progress)
                }
                if combined == nil { combined = r } else { combined!.append(r) }
            }
            return combined!
        }
    }

    public func cancel() { job?.cancel() }

    /// Starts generating layers from `prompt`, one candidate per seed (DDIM, 50 steps,
    /// guidance 7.5, as `strata layers generate`); a failure to load the model comes back at once.
    public func startLayers(prompt: String, seeds: [UInt64]) -> LayersFailure? {
        let previous = layersJob
        previous?.cancel()
        if layeredModel == nil {
            guard let loadLayeredModel else { return LayersFailure("no layered model: start the editor with --layers-model DIR") }
            do { layeredModel = try loadLayeredModel() } catch { return LayersFailure("\(error)") }
        }
        let model = layeredModel!
        let base = TextToImageSettings(prompt: prompt, width: model.sampleSize, height: model.sampleSize)
        layersStep = -1
        layersJob = BackgroundJob(after: previous.map { p in { @Sendable in p.wait() } }) { progress in
            let pipeline = TextToLayers(model: model)
            return try seeds.enumerated().map { k, seed in
                var s = base
                s.seed = seed
                let layers = try pipeline.run(s) { step, total in
                    progress(StageProgress(stage: .sample, step: k * total + step, total: seeds.count * total, seedIndex: k))
                }
                let p = LayeredOutputs.Pictures(layers)
                return LayeredCandidate(seed: seed, side: p.width, composite: p.composite, foregroundRGBA: p.foreground,
                                        background: p.background, mask: p.mask)
            }
        }
        return nil
    }

    public func cancelLayers() { layersJob?.cancel() }

    /// The layered generation's messages since the last poll.
    public func pollLayers() -> [EditorMsg] {
        guard let job = layersJob else { return [] }
        switch job.state {
        case .running:
            guard let p = job.progress, p.step != layersStep else { return [] }
            layersStep = p.step
            return [.layersProgress(step: p.step, total: p.total)]
        case .failed(let error):
            layersJob = nil
            let cancelled = error is JobCancelled
                || (error as? GenerationError).map { if case .cancelled = $0 { return true } else { return false } } ?? false
            return [.layered(.failure(LayersFailure(cancelled ? "cancelled" : "layered generation failed: \(error)")))]
        case .finished(let candidates):
            layersJob = nil
            return [.layered(.success(candidates))]
        }
    }

    /// Cancels the running job and forgets it: its end is never reported (its result
    /// was superseded by one already shown).
    public func discard() { job?.cancel(); job = nil; running = nil }

    public var isRunning: Bool { job?.isRunning ?? false }

    /// Messages since the last poll: new progress, or the end of the job.
    public func poll(now: Double) -> [EditorMsg] {
        guard let job, let request = running else { return [] }
        let stated: [EditorMsg] = note.take().map { [.info("running (\(request.settings.preset.rawValue)), " + $0)] } ?? []
        switch job.state {
        case .running:
            guard let p = job.progress, p.step != lastProgress?.step || p.stage != lastProgress?.stage else { return stated }
            lastProgress = p
            return stated + [.progress(p, at: now)]
        case .failed(let error):
            self.job = nil; running = nil
            return [.failed("\(error)")]
        case .finished(let result):
            self.job = nil; running = nil
            return [.finished(outcome(request, result, seconds: Date().timeIntervalSince(started)))]
        }
    }

    func outcome(_ request: JobRequest, _ result: EditResult, seconds: Double) -> RunOutcome {
        let runs = Self.runs(request)
        last = (request, result, runs.map(\.settings))
        var slots: [ResultSlot] = []
        var i = 0
        for run in runs { for seed in run.settings.seeds where i < result.images.count {
            slots.append(ResultSlot(seed: seed, picture: Self.picture(result.images[i]), sweepValue: run.value))
            i += 1
        } }
        let reference = givenReference == nil ? Self.picture(result.reference) : nil
        return RunOutcome(results: slots, reference: reference, seconds: seconds, reused: EditStage.allCases.filter(result.reused.contains))
    }

    /// The request's outcome when every stage of every run is in the stage cache (an
    /// earlier setting come back to), without starting a job; nil otherwise.
    /// It encodes the images again to find the cache keys, so it is only tried where that
    /// is cheap (models of at most 128×128 pixels); larger models go through a job, which
    /// meets the same cache entries on the engine's thread.
    public func cachedOutcome(_ request: JobRequest, source: Picture) -> RunOutcome? {
        guard request.settings.method == .layerdiffusion, side <= 128 else { return nil }
        // The interface never waits: with the model busy, the request goes through a job.
        guard modelLock.try() else { return nil }
        defer { modelLock.unlock() }
        let t0 = Date()
        let inputs = inputs(source: source, request: request)
        var combined: EditResult?
        for run in Self.runs(request) {
            guard let r = try? edit.run(inputs, settings: run.settings, cachedOnly: true) else { return nil }
            if combined == nil { combined = r } else { combined!.append(r) }
        }
        return combined.map { outcome(request, $0, seconds: Date().timeIntervalSince(t0)) }
    }

    /// A suggested subject mask; waits for the model (call it off the interface thread).
    public func suggestMask(source: Picture, subject: String, background: String) -> [UInt8] {
        modelLock.lock()
        defer { modelLock.unlock() }
        let m = MaskSuggestion.diffEdit(model: model, image: Self.tensor(source), subject: subject, background: background)
        return m.scalars.map { $0 > 0.5 ? 1 : 0 }
    }

    /// Suggested subject masks of results (images in [0, 1]); waits for the model.
    public func suggestMasks(_ images: [Tensor], subject: String, background: String) -> [Tensor] {
        modelLock.lock()
        defer { modelLock.unlock() }
        return MaskSuggestion.diffEdit(model: model, images: images, subject: subject, background: background)
    }

    public static func tensor(_ p: Picture) -> Tensor {
        let n = p.side * p.side
        let t = Tensor(zeros: [1, 3, p.side, p.side])
        for i in 0..<n { for c in 0..<3 { t.data[c * n + i] = Float(p.rgb[i * 3 + c]) / 255 } }
        return t
    }

    public static func picture(_ t: Tensor) -> Picture { Picture(side: t.shape[3], rgb: ImageFiles.rgb(t)) }
}
