import ArgumentParser
import Foundation
import StrataLayers
import StrataModels
import StrataTensor
import StrataSprites
import StrataTraining

struct TrainLayeredVAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layered-vae",
        abstract: "Train the layered autoencoder (F, B and m into one latent); a run folder that already holds a run is resumed.")
    @Option(name: .customLong("run"), help: "Run folder (config, parameters, optimiser state, progress, log).") var runFolder: String
    @Option(help: "Train until this many steps in all.") var steps = 40_000
    @Option(help: "Scenes per step.") var batch = 16
    @Option(help: "Adam learning rate.") var lr: Float = 5e-4
    @Option(help: "Loss weight of F's and m's opaque pixels.") var spriteWeight: Float = 10
    @Option(help: "Weight of the auxiliary composite head's loss (0: no auxiliary head).") var compositeWeight: Float = 1
    @Option(help: "Latent channels (a new run only).") var latentChannels = 8
    @Option(help: "Block widths, comma-separated (a new run only).") var blocks = "64,128,128"
    @Option(help: "Cool the learning rate down to a tenth over this many steps (cosine), from the step this is first given; 0: no cool-down.") var lrDecaySteps = 0
    @Option(help: "Seed of the run (weights and scenes).") var seed: UInt64 = 5
    @Flag(help: "Train the decoder only (once a UNet depends on the latent space).") var freezeEncoder = false
    @Option(help: "Write a log line every this many steps.") var logEvery = 25
    @Option(help: "Clip the gradients' joint norm to this before each step (0: no clipping).") var maxGradNorm: Float = 1
    @Option(help: "A new run starts from this exported layered_vae/ folder (with --start-step) instead of random weights.") var startFrom: String?
    @Option(help: "The step the --start-from weights were trained to.") var startStep: Int?
    @Option(help: "Stop after this many minutes (the run stays resumable).") var minutes: Double?
    @OptionGroup var engine: ThreadOptions

    func validate() throws {
        guard batch > 0, steps >= 0 else { throw ValidationError("--batch must be positive and --steps not negative") }
        guard logEvery > 0 else { throw ValidationError("--log-every must be positive") }
        guard maxGradNorm >= 0 else { throw ValidationError("--max-grad-norm must not be negative") }
        guard compositeWeight >= 0, spriteWeight >= 1 else { throw ValidationError("--composite-weight must be ≥ 0 and --sprite-weight ≥ 1") }
        guard latentChannels > 0, parsedBlocks != nil else { throw ValidationError("--latent-channels must be positive and --blocks a list of positive multiples of 32, like 32,64,128") }
    }

    var parsedBlocks: [Int]? {
        let b = blocks.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return b.count == blocks.split(separator: ",").count && !b.isEmpty && b.allSatisfy({ $0 > 0 && $0 % 32 == 0 }) ? b : nil
    }

    func run() throws {
        engine.apply()
        var s = LayeredAutoencoderSettings()
        s.steps = steps; s.batch = batch; s.learningRate = lr; s.spriteWeight = spriteWeight; s.compositeWeight = compositeWeight
        s.latentChannels = latentChannels; s.blockOutChannels = parsedBlocks!; s.decaySteps = lrDecaySteps; s.seed = seed
        s.freezeEncoder = freezeEncoder; s.maxGradientNorm = maxGradNorm; s.logEvery = logEvery
        let trainer: LayeredAutoencoderTrainer
        do {
            trainer = try LayeredAutoencoderTrainer(folder: URL(fileURLWithPath: runFolder), settings: s, renderer: loadRenderer(),
                                                    start: try StartWeights.parse(startFrom, startStep))
        } catch let e as ValidationError { throw e } catch { throw failure(error) }
        try untilStopped(minutes: minutes) { try trainer.run(until: steps, shouldStop: $0) }
    }
}

struct EvalLayeredVAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layered-vae",
        abstract: "Give fresh scenes' layers back through a layered autoencoder: PSNR of the composite, B and the seen F; the mask's IoU.")
    @Option(help: "Scenes.") var count = 500
    @Option(help: "Evaluation seed.") var seed: UInt64 = 1
    @Option(name: .customLong("run"), help: "A layered autoencoder training run folder.") var runFolder: String?
    @Option(help: "A layered_vae/ folder instead of a run.") var model: String?
    @OptionGroup var engine: ThreadOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard (runFolder == nil) != (model == nil) else { throw ValidationError("give one of --run and --model") }
        try requireCount(count)
    }

    func run() throws {
        engine.apply()
        let autoencoder: LayeredAutoencoder
        do {
            if let runFolder {
                autoencoder = try LayeredAutoencoderTrainer.trained(run: URL(fileURLWithPath: runFolder))
            } else {
                autoencoder = try LayeredAutoencoder(folder: URL(fileURLWithPath: model!))
            }
        } catch { throw failure(error) }
        let e = LayeredAutoencoderEvaluation.run(autoencoder, renderer: try loadRenderer(), count: count, seed: seed)
        if output.json {
            try printJSON(e)
        } else {
            print(String(format: "%d fresh scenes: composite %.2f dB, background %.2f dB, seen foreground %.2f dB, mask IoU %.4f (mean abs. error %.4f)",
                         e.count, e.compositePSNR, e.backgroundPSNR, e.foregroundPSNR, e.maskIoU, e.maskMAE))
        }
    }
}

struct TrainExportLayeredVAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-layered-vae",
        abstract: "Write a layered autoencoder run as a layered_vae/ folder (fp16, scaling factor from its latents, no auxiliary head).")
    @Option(name: .customLong("run"), help: "Layered autoencoder run folder.") var runFolder: String
    @Option(help: "Output layered_vae/ folder.") var out: String
    @Option(help: "Keep the scaling factor of this layered_vae/ folder (the one a UNet trained on) instead of measuring it.")
    var keepScalingFactor: String?

    func run() throws {
        let kept: Double?
        do { kept = try keepScalingFactor.map { try LayeredAutoencoder(folder: URL(fileURLWithPath: $0)).config.scalingFactor } } catch {
            throw failure(error)
        }
        let factor = try LayeredAutoencoderExport.export(run: URL(fileURLWithPath: runFolder), to: URL(fileURLWithPath: out),
                                                         renderer: loadRenderer(), scalingFactor: kept)
        print(String(format: "wrote %@ (scaling factor %.5f)", out, factor))
    }
}

struct TrainLayeredUNet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layered-unet",
        abstract: "Train a layered model's UNet on a frozen layered autoencoder's latents; a run folder that already holds a run is resumed.")
    @Option(name: .customLong("run"), help: "Run folder (parameters, optimiser state, latent cache, progress, log).") var runFolder: String
    @OptionGroup var parts: LayeredPartsOptions
    @Option(help: "Train until this many steps in all.") var steps = 100_000
    @Option(help: "Samples per step.") var batch = 64
    @Option(help: "Adam learning rate.") var lr: Float = 5e-4
    @Option(help: "Scenes in the latent cache.") var dataset = 60_000
    @Option(help: "Cool the learning rate down to a tenth over this many steps (cosine), from the step this is first given; 0: no cool-down.") var lrDecaySteps = 0
    @Option(help: "Seed of the run (weights and data order).") var seed: UInt64 = 6
    @Option(help: "A new run starts from this exported layered model folder's UNet (with --start-step) instead of random weights.") var startFrom: String?
    @Option(help: "The step the --start-from UNet was trained to.") var startStep: Int?
    @Option(help: "Stop after this many minutes (the run stays resumable).") var minutes: Double?
    @OptionGroup var engine: ThreadOptions

    func run() throws {
        engine.apply()
        var s = LayeredUNetSettings()
        s.steps = steps; s.batch = batch; s.learningRate = lr; s.datasetSize = dataset; s.decaySteps = lrDecaySteps; s.seed = seed
        let trainer: LayeredUNetTrainer
        do {
            trainer = try LayeredUNetTrainer(folder: URL(fileURLWithPath: runFolder), codec: try parts.codec(), textModel: try parts.textFolder(),
                                             settings: s, renderer: loadRenderer(), start: try StartWeights.parse(startFrom, startStep))
        } catch let e as ValidationError { throw e } catch { throw failure(error) }
        try untilStopped(minutes: minutes) { try trainer.run(until: steps, shouldStop: $0) }
    }
}

struct TrainExportLayeredModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-layered-model",
        abstract: "Write a layered model folder (fp16) from a layered UNet run, the layered_vae/ folder it trained on and the text model that conditioned it.")
    @Option(name: .customLong("run"), help: "Layered UNet run folder.") var runFolder: String
    @OptionGroup var parts: LayeredPartsOptions
    @Option(help: "Output model folder.") var out: String
    @Flag(help: "Export the last step's weights instead of the run's weight average.") var last = false

    func run() throws {
        do {
            try LayeredUNetTrainer.exportModel(run: URL(fileURLWithPath: runFolder), codec: try parts.codec(), textModel: try parts.textFolder(),
                                               to: URL(fileURLWithPath: out), averaged: !last)
        } catch let e as ValidationError { throw e } catch { throw failure(error) }
        print("wrote \(out)")
    }
}

/// The parts a layered UNet run works with: its codec (a layered_vae/ folder, or the
/// baseline's image vae/ folder) and the text model that conditions it.
struct LayeredPartsOptions: ParsableArguments {
    @Option(help: "The layered_vae/ folder (written by `strata train export-layered-vae`; for an export, the one the UNet trained on or one whose decoder trained on since, with the same encoder and scaling factor).") var layeredVae: String?
    @Option(help: "The paper's baseline instead: this image vae/ folder encodes F and B apart, the mask shrunk beside them (e.g. Assets/models/strata-sprites/vae).") var baselineVae: String?
    @Option(help: "The model folder whose tokenizer and text encoder condition the UNet (frozen; default: the built-in model).") var textModel: String?

    func validate() throws {
        guard (layeredVae == nil) != (baselineVae == nil) else { throw ValidationError("give --layered-vae or --baseline-vae (exactly one)") }
    }

    func codec() throws -> any LayerCodec {
        if let layeredVae { return try LayeredAutoencoder(folder: URL(fileURLWithPath: layeredVae)) }
        return try SeparateLayerCodec(vae: AutoencoderKL(folder: URL(fileURLWithPath: baselineVae!)))
    }

    func textFolder() throws -> URL { try textModel.map { URL(fileURLWithPath: $0) } ?? StrataAssets.builtInModel() }
}
