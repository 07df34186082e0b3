// Trains the text-conditioned UNet of a layered model (Text2Layer) on cached latents of
// training scenes' layers, encoded once by the frozen codec (the layered autoencoder, or
// the baseline's image autoencoder applied to F and B apart): ε-prediction,
// timesteps uniform, captions dropped 10% of the time for classifier-free guidance, the
// built-in model's final loss weighting (Min-SNR-5 and the velocity weighting capped at
// 5), a weight average to export from. The text encoder is the built-in model's, frozen,
// so each caption is encoded once.
import Foundation
import StrataLayers
import StrataModels
import StrataSprites
import StrataTensor

public struct LayeredUNetSettings: Codable {
    public var steps = 100_000
    public var batch = 64
    public var learningRate: Float = 5e-4
    public var warmupSteps = 500
    public var decaySteps = 0
    public var captionDropout: Float = 0.1
    public var minSNRGamma: Float = 5
    public var velocityWeightCap: Float = 5
    public var datasetSize = 60_000
    public var saveEvery = 200
    public var logEvery = 20
    public var seed: UInt64 = 6
    public var averageDecay: Float = 0.999
    public init() {}
}

public final class LayeredUNetTrainer {
    public let unet: UNet2DConditionModel
    public let settings: LayeredUNetSettings
    let textEncoder: CLIPTextModel
    let tokenizer: CLIPTokenizer
    let schedule: NoiseSchedule
    let cache: LatentCache
    let run: TrainingRun
    let average: WeightAverage
    /// Each caption's encoding [1, 77, width], computed once (the text encoder is frozen).
    var encodings: [String: Tensor] = [:]

    /// The UNet's shape on a latent of `channels` channels: the built-in model's.
    public static func unetConfig(channels: Int) -> UNetConfig {
        var c = SpriteModelRecipe.unet
        c.inChannels = channels
        c.outChannels = channels
        return c
    }

    /// `codec` is the frozen codec (an exported layered autoencoder, or the baseline's)
    /// whose latents the UNet learns; `textModel` a model folder whose text encoder and
    /// tokenizer it reads. `start` is an exported layered model folder and the step its UNet
    /// was trained to, for a new run that goes on from it (a machine without the run folder).
    public init(folder: URL, codec: any LayerCodec, textModel: URL, settings: LayeredUNetSettings, renderer: SceneRenderer,
                start: (folder: URL, step: Int)? = nil) throws {
        self.settings = settings
        let saved = TrainingState(folder: folder)
        let log = TrainingLog(folder: folder)
        tokenizer = try CLIPTokenizer(folder: textModel.appendingPathComponent("tokenizer"))
        textEncoder = try CLIPTextModel(folder: textModel.appendingPathComponent("text_encoder"))
        let channels = codec.latentChannels
        let weights: WeightStore = try saved.exists ? saved.parameterStore("unet")
            : start.map { try WeightStore(path: WeightStore.file(in: $0.folder.appendingPathComponent("unet"), named: "diffusion_pytorch_model").path) }
            ?? .initialized(seed: settings.seed)
        unet = try UNet2DConditionModel(config: Self.unetConfig(channels: channels), weights: weights)
        schedule = try NoiseSchedule(SpriteModelRecipe.scheduler)
        var plan = TrainingRun.Plan(name: "layered-unet", batch: settings.batch, learningRate: settings.learningRate, warmupSteps: settings.warmupSteps)
        plan.decaySteps = settings.decaySteps; plan.logEvery = settings.logEvery; plan.saveEvery = settings.saveEvery
        plan.settings = ["batch": "\(settings.batch)", "lr": "\(settings.learningRate)", "caption_dropout": "\(settings.captionDropout)",
                         "seed": "\(settings.seed)", "dataset": "\(settings.datasetSize)", "min_snr_gamma": "\(settings.minSNRGamma)",
                         "velocity_weight_cap": "\(settings.velocityWeightCap)", "latent_channels": "\(channels)"]
        run = try TrainingRun(folder: folder, plan: plan, trained: unet.parameters.tensors.map(\.tensor),
                              parameterCount: unet.parameters.elementCount, startStep: start?.step, log: log)
        run.record("dataset", "\(settings.datasetSize)", unsetMeans: "\(settings.datasetSize)")
        if saved.exists, run.progress.settings["codec"] ?? "layered_vae" != codec.component {
            throw LayeredModelError.malformed("\(folder.path) trains on a \(run.progress.settings["codec"] ?? "layered_vae") latent, not \(codec.component)")
        }
        run.progress.settings["codec"] = codec.component
        let named = unet.parameters.tensors.map { ("unet." + $0.name, $0.tensor) }
        average = try WeightAverage(named, decay: settings.averageDecay, savedAt: saved.averageURL)
            ?? WeightAverage(named, decay: settings.averageDecay)
        let seed = settings.seed
        cache = try LatentCache(folder: folder, channels: channels, fingerprint: codec.fingerprint,
                                count: settings.datasetSize, log: log) { first, n in
            let batch = LayeredSceneBatch(renderer: renderer, run: seed, first: first, count: n)
            return (GradMode.disabled { codec.encodeLayers(batch.layers) }, batch.scenes.map { $0.caption.text })
        }
    }

    var progress: TrainingProgress { run.progress }

    func encoding(_ text: String) -> Tensor {
        if let e = encodings[text] { return e }
        let tokens = tokenizer.encodePadded(text, length: textEncoder.config.maxPositionEmbeddings)
        let e = GradMode.disabled { textEncoder([tokens]) }
        encodings[text] = e
        return e
    }

    /// Step `index`: its batch depends on the index only; returns the unweighted loss.
    func step(_ index: Int) -> Float {
        var rng = StrataRandom(seed: settings.seed &* 1_000_003 &+ UInt64(index))
        let b = settings.batch, per = cache.latents.count / cache.count
        let x0 = Tensor(zeros: [b] + Array(cache.latents.shape.dropFirst()))
        var texts: [String] = [], timesteps: [Int] = []
        for i in 0..<b {
            let k = rng.nextInt(below: cache.count)
            texts.append(rng.nextUniform() < settings.captionDropout ? "" : cache.captions[k])
            timesteps.append(rng.nextInt(below: schedule.config.numTrainTimesteps))
            x0.data.advanced(by: i * per).update(from: cache.latents.data.advanced(by: k * per), count: per)
        }
        let noise = Tensor.randn(x0.shape, using: &rng)
        let noisy = schedule.addNoise(x0, noise: noise, timesteps: timesteps)
        let context = Tensor.concat(texts.map(encoding), axis: 0)
        let prediction = unet(noisy, timesteps: Tensor(timesteps.map(Float.init), shape: [b]), context: context)
        let unweighted = GradMode.disabled { prediction.maskedMSE(noise, mask: nil).item }
        let weights = UNetTrainer.lossWeights(timesteps, schedule: schedule, minSNRGamma: settings.minSNRGamma,
                                              velocityWeightCap: settings.velocityWeightCap)
        let loss = prediction.maskedMSE(noise, mask: weights.map { Tensor($0.map { $0.squareRoot() }, shape: [b, 1, 1, 1]) })
        loss.backward()
        run.optimiserStep(index)
        average.update()
        return unweighted
    }

    public func run(until steps: Int, shouldStop: () -> Bool = { false }) throws {
        try run.run(until: steps, shouldStop: shouldStop, step: { index in (step(index), "") }, save: { progress in
            try run.save(["unet": unet.parameters.tensors], average: average, progress: progress)
        })
    }
}

extension LayeredUNetTrainer {
    /// Writes a layered model folder (LayeredModel's layout): the run's UNet (its weight
    /// average unless `averaged` is false, fp16), the codec it was trained on, and
    /// `textModel`'s tokenizer and text encoder, which conditioned it.
    public static func exportModel(run: URL, codec: any LayerCodec, textModel: URL, to folder: URL, averaged: Bool = true) throws {
        let state = TrainingState(folder: run)
        let channels = codec.latentChannels  // the UNet's in and out
        let store = averaged && FileManager.default.fileExists(atPath: state.averageURL.path)
            ? try WeightStore(path: state.averageURL.path).renamed { "unet." + $0 } : try state.parameterStore("unet")
        let unet = try UNet2DConditionModel(config: unetConfig(channels: channels), weights: store)
        let model = try LayeredModel(tokenizer: CLIPTokenizer(folder: textModel.appendingPathComponent("tokenizer")),
                                     textEncoder: CLIPTextModel(folder: textModel.appendingPathComponent("text_encoder")),
                                     unet: unet, codec: codec, schedulerConfig: SpriteModelRecipe.scheduler)
        try model.write(to: folder, tokenizerSource: textModel.appendingPathComponent("tokenizer"))
        // What it was trained on, so that prompts outside that world are warned about.
        try Data("{\n  \"world\" : \"sprites\"\n}\n".utf8).writeDurably(to: folder.appendingPathComponent(spriteWorldMarker))
    }

    /// The file in a model folder that says it knows only the sprite world.
    public static let spriteWorldMarker = "strata_world.json"
}
