// Trains the built-in model's text encoder and UNet together on cached scene latents:
// ε-prediction, timesteps uniform, captions dropped 10% of the time for classifier-free
// guidance, one Adam over both. Options, each a share or weight of the recipe in the
// model card (Assets/models/strata-sprites/README.md): captions cut to their subject
// text or place phrase (an edit encodes each alone), captions encoded as the mix an
// edit samples from (e_opt), captions naming the tint, Min-SNR-γ and velocity loss
// weighting, and a weight on the subject's latent cells. The logged loss stays the
// unweighted mean, comparable across the run. Why each exists, with its measurements:
// docs/lab/built-in-model-history.md.
import Foundation
import StrataModels
import StrataSprites
import StrataTensor

public struct UNetTrainingSettings: Codable {
    public var steps = 100_000
    public var batch = 64
    public var learningRate: Float = 5e-4
    public var warmupSteps = 500
    /// Steps of a cosine cool-down of the learning rate, from the step it is first set (0: none).
    public var decaySteps = 0
    public var captionDropout: Float = 0.1
    /// Share of captions cut to one half (subject text or place phrase, equally often).
    public var partCaptions: Float = 0
    /// Share of captions encoded as a mix of their two halves (α uniform in 0.5–0.9).
    public var mixedCaptions: Float = 0
    /// Share of captions (of every kind above but the empty one) that name the scene's tint.
    public var tintedCaptions: Float = 0
    /// γ of Min-SNR loss weighting (0: every timestep weighs the same).
    public var minSNRGamma: Float = 0
    /// Cap of the velocity weighting min(1/ᾱ_t, cap) on top (1: none).
    public var velocityWeightCap: Float = 1
    /// Weight w of the subject's latent cells (1: every cell weighs the same).
    public var spriteWeight: Float = 1
    public var datasetSize = 60_000
    public var saveEvery = 200
    public var logEvery = 20
    public var seed: UInt64 = 2
    /// Decay of the weight average the model is exported from.
    public var averageDecay: Float = 0.999
    public init() {}
}

public final class UNetTrainer {
    public let unet: UNet2DConditionModel
    public let textEncoder: CLIPTextModel
    public let tokenizer: CLIPTokenizer
    public let settings: UNetTrainingSettings
    let schedule: NoiseSchedule
    let cache: LatentCache
    /// The cache's subject masks at latent size, when the sprite weighting is on.
    let masks: Tensor?
    let run: TrainingRun
    let average: WeightAverage
    var tokenCache: [String: [Int]] = [:]
    /// The cache's captions with the tint named, when the tinted share is on.
    let tintedCaptions: [String]

    /// `start` is a finished model folder and its step, for a new run that goes on from
    /// its text encoder and UNet (the weight average restarts from them).
    public init(folder: URL, vae: AutoencoderKL, tokenizer: CLIPTokenizer, settings: UNetTrainingSettings, renderer: SceneRenderer,
                start: (folder: URL, step: Int)? = nil) throws {
        self.settings = settings
        self.tokenizer = tokenizer
        let saved = TrainingState(folder: folder)
        let resuming = saved.exists
        // The run's log, opened first to report on the weights.
        let log = TrainingLog(folder: folder)
        var added: [String] = []
        let weights = { (group: String, file: String, seed: UInt64) throws -> WeightStore in
            if resuming { return try saved.parameterStore(group) }
            if let start {
                // A recipe that adds blocks grows the finished model: the added ones start fresh.
                let finished = try WeightStore(path: WeightStore.file(in: start.folder.appendingPathComponent(group), named: file).path)
                return GrownWeights.store(finished, fresh: .initialized(seed: seed)) { added.append(group + "." + $0) }
            }
            return .initialized(seed: seed)
        }
        textEncoder = try CLIPTextModel(config: SpriteModelRecipe.textEncoder,
                                        weights: weights("text_encoder", "model", settings.seed))
        unet = try UNet2DConditionModel(config: SpriteModelRecipe.unet,
                                        weights: weights("unet", "diffusion_pytorch_model", settings.seed &+ 1))
        if !added.isEmpty {
            let blocks = Set(added.map { $0.split(separator: ".").prefix(5).joined(separator: ".") }).sorted()
            log.line("\(added.count) tensors the start model lacks start fresh: \(blocks.joined(separator: ", "))")
        }
        schedule = try NoiseSchedule(SpriteModelRecipe.scheduler)
        var plan = TrainingRun.Plan(name: "unet", batch: settings.batch, learningRate: settings.learningRate, warmupSteps: settings.warmupSteps)
        plan.decaySteps = settings.decaySteps; plan.logEvery = settings.logEvery; plan.saveEvery = settings.saveEvery
        plan.settings = ["batch": "\(settings.batch)", "lr": "\(settings.learningRate)", "caption_dropout": "\(settings.captionDropout)",
                         "seed": "\(settings.seed)", "dataset": "\(settings.datasetSize)", "part_captions": "\(settings.partCaptions)"]
        run = try TrainingRun(folder: folder, plan: plan, trained: (textEncoder.parameters.tensors + unet.parameters.tensors).map(\.tensor),
                              parameterCount: unet.parameters.elementCount + textEncoder.parameters.elementCount, startStep: start?.step, log: log)
        // A resumed run may change its caption mix or scene count; the progress file
        // records the new value and from which step.
        for (key, value, before) in [("part_captions", "\(settings.partCaptions)", "0.0"),
                                   ("mixed_captions", "\(settings.mixedCaptions)", "0.0"),
                                   ("tinted_captions", "\(settings.tintedCaptions)", "0.0"),
                                   ("min_snr_gamma", "\(settings.minSNRGamma)", "0.0"),
                                   ("velocity_weight_cap", "\(settings.velocityWeightCap)", "1.0"),
                                   ("sprite_weight", "\(settings.spriteWeight)", "1.0"),
                                   ("dataset", "\(settings.datasetSize)", "\(UNetTrainingSettings().datasetSize)")] {
            run.record(key, value, unsetMeans: before)
        }
        let named = textEncoder.parameters.tensors.map { ("text_encoder." + $0.name, $0.tensor) }
            + unet.parameters.tensors.map { ("unet." + $0.name, $0.tensor) }
        if let resumed = try WeightAverage(named, decay: settings.averageDecay, savedAt: saved.averageURL) {
            average = resumed
        } else if !resuming, let start {
            // The finished weights are themselves an average: go on at the full decay.
            average = WeightAverage(named, decay: settings.averageDecay, updates: start.step)
        } else {
            average = WeightAverage(named, decay: settings.averageDecay)
            if resuming { log.line("starting a weight average (decay \(settings.averageDecay)) on a resumed run") }
        }
        cache = try LatentCache(folder: folder, vae: vae, renderer: renderer, run: settings.seed, count: settings.datasetSize, log: log)
        masks = settings.spriteWeight == 1 ? nil : try cache.subjectMasks(renderer: renderer, run: settings.seed, log: log)
        tintedCaptions = settings.tintedCaptions == 0 ? [] : try Self.tintedCaptions(captions: cache.captions, run: settings.seed)
    }

    /// Each cached scene's caption with its tint named, from the scene's seed.
    static func tintedCaptions(captions: [String], run: UInt64) throws -> [String] {
        try captions.indices.map { k in
            let spec = SceneSpec(seed: SceneBatch.trainingSeed(run: run, index: k))
            guard spec.caption.text == captions[k] else {
                throw TrainingStateError.mismatch("latent cache scene \(k): caption \"\(captions[k])\" is not its seed's \"\(spec.caption.text)\"")
            }
            return spec.caption.text(tint: spec.tint)
        }
    }

    func tokens(_ caption: String) -> [Int] {
        if let t = tokenCache[caption] { return t }
        let t = tokenizer.encodePadded(caption, length: textEncoder.config.maxPositionEmbeddings)
        tokenCache[caption] = t
        return t
    }

    /// The caption a sample trains with, from one uniform draw: empty, one half, or whole.
    static func trainingCaption(_ caption: String, draw: Float, settings: UNetTrainingSettings) -> String {
        if draw < settings.captionDropout { return "" }
        let half = settings.partCaptions / 2
        guard draw < settings.captionDropout + settings.partCaptions, let parts = Caption.split(caption) else { return caption }
        return draw < settings.captionDropout + half ? parts.subject : parts.background
    }

    /// The two halves whose encodings a sample mixes, when its draw falls in the mixed
    /// share (after the dropout and part-caption shares) and the caption splits.
    static func mixedHalves(_ caption: String, draw: Float, settings: UNetTrainingSettings) -> (subject: String, background: String)? {
        let start = settings.captionDropout + settings.partCaptions
        guard draw >= start, draw < start + settings.mixedCaptions, let parts = Caption.split(caption) else { return nil }
        return (parts.subject, parts.background)
    }

    /// Text conditioning for a batch: rows whose `mix` is set are α·Enc(text) +
    /// (1−α)·Enc(mix.text), the others Enc(text). Mixed rows come first in the batch.
    func conditioning(_ texts: [String], mixes: [(place: String, alpha: Float)]) -> Tensor {
        let m = mixes.count
        guard m > 0 else { return textEncoder(texts.map(tokens)) }
        let all = textEncoder((texts + mixes.map(\.place)).map(tokens))
        let b = texts.count
        let alpha = Tensor(mixes.map(\.alpha), shape: [m, 1, 1])
        let rest = Tensor(mixes.map { 1 - $0.alpha }, shape: [m, 1, 1])
        let mixed = all.slice(axis: 0, 0..<m) * alpha + all.slice(axis: 0, b..<(b + m)) * rest
        return m == b ? mixed : Tensor.concat([mixed, all.slice(axis: 0, m..<b)], axis: 0)
    }

    /// Step `index`: its batch depends on the index only; returns the loss.
    func step(_ index: Int) -> Float {
        var rng = StrataRandom(seed: settings.seed &* 1_000_003 &+ UInt64(index))
        let b = settings.batch
        let per = cache.latents.count / cache.count
        let x0 = Tensor(zeros: [b] + Array(cache.latents.shape.dropFirst()))
        // Scenes in draw order; mixed ones are moved to the front (the order within a
        // batch changes nothing but the layout the conditioning needs).
        var drawn: [(k: Int, text: String, mix: (place: String, alpha: Float)?, t: Int)] = []
        for _ in 0..<b {
            let k = rng.nextInt(below: cache.count)
            let draw = rng.nextUniform()
            var mix: (String, Float)?
            // Drawn only when the share is on, so runs without it keep their data.
            let named = settings.tintedCaptions > 0 && rng.nextUniform() < settings.tintedCaptions
            let caption = named ? tintedCaptions[k] : cache.captions[k]
            var text = Self.trainingCaption(caption, draw: draw, settings: settings)
            if let halves = Self.mixedHalves(caption, draw: draw, settings: settings) {
                text = halves.subject
                mix = (halves.background, 0.5 + 0.4 * rng.nextUniform())
            }
            drawn.append((k, text, mix, rng.nextInt(below: schedule.config.numTrainTimesteps)))
        }
        drawn = drawn.filter { $0.mix != nil } + drawn.filter { $0.mix == nil }
        for (i, d) in drawn.enumerated() {
            x0.data.advanced(by: i * per).update(from: cache.latents.data.advanced(by: d.k * per), count: per)
        }
        let timesteps = drawn.map(\.t)
        let noise = Tensor.randn(x0.shape, using: &rng)
        let noisy = schedule.addNoise(x0, noise: noise, timesteps: timesteps)
        let context = conditioning(drawn.map(\.text), mixes: drawn.compactMap(\.mix))
        let prediction = unet(noisy, timesteps: Tensor(timesteps.map(Float.init), shape: [b]), context: context)
        let unweighted = GradMode.disabled { prediction.maskedMSE(noise, mask: nil).item }
        let weights = Self.lossWeights(timesteps, schedule: schedule, settings: settings)
        let mask: Tensor?
        if let masks {
            let cells = masks.count / cache.count
            let subject = Tensor(zeros: [b, 1] + Array(x0.shape.dropFirst(2)))
            for (i, d) in drawn.enumerated() {
                subject.data.advanced(by: i * cells).update(from: masks.data.advanced(by: d.k * cells), count: cells)
            }
            mask = Self.cellWeightRoots(subject, sampleWeights: weights, spriteWeight: settings.spriteWeight)
        } else {
            mask = weights.map { Tensor($0.map { $0.squareRoot() }, shape: [b, 1, 1, 1]) }
        }
        let loss = prediction.maskedMSE(noise, mask: mask)
        loss.backward()
        run.optimiserStep(index)
        average.update()
        return unweighted
    }

    /// Each sample's loss weight: Min-SNR-γ times the capped velocity weighting; nil when
    /// both are off.
    static func lossWeights(_ timesteps: [Int], schedule: NoiseSchedule, settings: UNetTrainingSettings) -> [Float]? {
        lossWeights(timesteps, schedule: schedule, minSNRGamma: settings.minSNRGamma, velocityWeightCap: settings.velocityWeightCap)
    }

    static func lossWeights(_ timesteps: [Int], schedule: NoiseSchedule, minSNRGamma: Float, velocityWeightCap: Float) -> [Float]? {
        guard minSNRGamma > 0 || velocityWeightCap != 1 else { return nil }
        let snr = minSNRWeights(timesteps, alphasCumprod: schedule.alphasCumprod, gamma: minSNRGamma)
        return zip(timesteps, snr).map { t, w in w * schedule.velocityWeight(t, cap: velocityWeightCap) }
    }

    /// Square roots of each latent cell's loss weight [N, 1, h, w] (maskedMSE squares its
    /// mask): the sample's weight (1 when nil) times 1 + (w − 1)·coverage.
    static func cellWeightRoots(_ coverage: Tensor, sampleWeights: [Float]?, spriteWeight: Float) -> Tensor {
        let n = coverage.shape[0], cells = coverage.count / n
        let out = Tensor(zeros: coverage.shape)
        for i in 0..<n {
            let s = sampleWeights?[i] ?? 1
            for c in 0..<cells {
                out.data[i * cells + c] = (s * (1 + (spriteWeight - 1) * coverage.data[i * cells + c])).squareRoot()
            }
        }
        return out
    }

    /// Min-SNR-γ weights for ε-prediction: min(SNR_t, γ)/SNR_t with SNR_t = ᾱ_t/(1−ᾱ_t);
    /// all ones when γ is 0.
    static func minSNRWeights(_ timesteps: [Int], alphasCumprod: [Double], gamma: Float) -> [Float] {
        guard gamma > 0 else { return timesteps.map { _ in 1 } }
        return timesteps.map { t in
            let snr = alphasCumprod[t] / (1 - alphasCumprod[t])
            return Float(min(snr, Double(gamma)) / snr)
        }
    }

    public func run(until steps: Int, shouldStop: () -> Bool = { false }) throws {
        try run.run(until: steps, shouldStop: shouldStop, step: { index in (step(index), "") }, save: { try save($0) })
    }

    var progress: TrainingProgress { run.progress }
    var optimiser: Adam { run.optimiser }

    func save(_ progress: TrainingProgress) throws {
        try run.save(["unet": unet.parameters.tensors, "text_encoder": textEncoder.parameters.tensors], average: average, progress: progress)
    }

    /// Writes the whole model folder from this run (its weight average when it has one
    /// and `averaged` is set, else the last weights) and a finished vae/ folder.
    public static func exportModel(run: URL, vaeFolder: URL, tokenizerSource: URL, to folder: URL, averaged: Bool = true) throws {
        let state = TrainingState(folder: run)
        let text: CLIPTextModel, unet: UNet2DConditionModel
        if averaged, FileManager.default.fileExists(atPath: state.averageURL.path) {
            let store = try WeightStore(path: state.averageURL.path)
            text = try CLIPTextModel(config: SpriteModelRecipe.textEncoder, weights: store.renamed { "text_encoder." + $0 })
            unet = try UNet2DConditionModel(config: SpriteModelRecipe.unet, weights: store.renamed { "unet." + $0 })
        } else {
            text = try CLIPTextModel(config: SpriteModelRecipe.textEncoder, weights: state.parameterStore("text_encoder"))
            unet = try UNet2DConditionModel(config: SpriteModelRecipe.unet, weights: state.parameterStore("unet"))
        }
        try AtomicFolder.write(folder) { staging in
            try ModelFolderWriter.writeTextEncoder(text, to: staging.appendingPathComponent("text_encoder"), as: .f16)
            try ModelFolderWriter.writeUNet(unet, to: staging.appendingPathComponent("unet"), as: .f16)
            try ModelFolderWriter.writeTokenizer(from: tokenizerSource, to: staging.appendingPathComponent("tokenizer"))
            try ModelFolderWriter.copyFiles(from: vaeFolder, to: staging.appendingPathComponent("vae"))
            try ModelFolderWriter.writeScheduler(SpriteModelRecipe.scheduler, to: staging.appendingPathComponent("scheduler"))
            try ModelFolderWriter.writeModelIndex(to: staging)
        }
    }
}
