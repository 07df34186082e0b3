import ArgumentParser
import Foundation
import StrataModels
import StrataSprites
import StrataTensor
import StrataTraining

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the built-in model's parts on the sprite world (resumable runs).",
        subcommands: [TrainVAE.self, TrainUNet.self, TrainLayeredVAE.self, TrainExportLayeredVAE.self, TrainLayeredUNet.self, TrainExportLayeredModel.self, TrainJudge.self, TrainExportVAE.self, TrainExportModel.self])
}

struct TrainVAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train the AutoencoderKL; a run folder that already holds a run is resumed.")
    @Option(name: .customLong("run"), help: "Run folder (parameters, optimiser state, progress, log).") var runFolder: String
    @Option(help: "Train until this many steps in all.") var steps = 20_000
    @Option(help: "Scenes per step.") var batch = 16
    @Option(help: "Adam learning rate.") var lr: Float = 5e-4
    @Option(help: "Loss weight of subject pixels.") var spriteWeight: Float = 10
    @Option(help: "Cool the learning rate down to a tenth over this many steps (cosine), from the step this is first given; 0: no cool-down.") var lrDecaySteps = 0
    @Option(help: "Seed of the run (weights and scenes).") var seed: UInt64 = 1
    @Flag(help: "Train the decoder only (once a UNet depends on the latent space).") var freezeEncoder = false
    @Option(help: "A new run starts from this finished vae/ folder (with --start-step) instead of random weights.") var startFrom: String?
    @Option(help: "The step the --start-from weights were trained to.") var startStep: Int?
    @Option(help: "Stop after this many minutes (the run stays resumable).") var minutes: Double?
    @OptionGroup var engine: ThreadOptions

    func run() throws {
        engine.apply()
        var s = VAETrainingSettings()
        s.freezeEncoder = freezeEncoder
        s.steps = steps; s.batch = batch; s.learningRate = lr; s.spriteWeight = spriteWeight; s.seed = seed; s.decaySteps = lrDecaySteps
        let trainer = try VAETrainer(folder: URL(fileURLWithPath: runFolder), settings: s, renderer: loadRenderer(),
                                     start: try StartWeights.parse(startFrom, startStep))
        try untilStopped(minutes: minutes) { try trainer.run(until: steps, shouldStop: $0) }
    }
}

struct TrainUNet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unet",
        abstract: "Train the text encoder and UNet on a trained VAE's latents; a run folder that already holds a run is resumed.")
    @Option(name: .customLong("run"), help: "Run folder (parameters, optimiser state, latent cache, progress, log).") var runFolder: String
    @Option(help: "A vae/ folder written by `strata train export-vae`.") var vae: String
    @Option(help: "Train until this many steps in all.") var steps = 100_000
    @Option(help: "Samples per step.") var batch = 64
    @Option(help: "Adam learning rate.") var lr: Float = 5e-4
    @Option(help: "Scenes in the latent cache.") var dataset = 60_000
    @Option(help: "Cool the learning rate down to a tenth over this many steps (cosine), from the step this is first given; 0: no cool-down.") var lrDecaySteps = 0
    @Option(help: "Share of captions cut to the subject text or the place phrase alone (an edit encodes each on its own).") var partCaptions: Float = 0.1
    @Option(help: "Share of captions encoded as a mix of their subject text's and place phrase's encodings, as an edit mixes them (α uniform in 0.5–0.9).") var mixedCaptions: Float = 0.1
    @Option(help: "Share of captions that name the scene's tint (\"a big blue cow lying in a forest\"), so the text space holds the tints (0: none).") var tintedCaptions: Float = 0
    @Option(help: "Min-SNR-γ loss weighting: each sample's error times min(SNR, γ)/SNR (0: uniform).") var minSnrGamma: Float = 0
    @Option(help: "Also weight each sample's error by min(1/ᾱ_t, cap), as a velocity-prediction loss weighs it (1: off).") var velocityWeightCap: Float = 1
    @Option(help: "Weight w of the subject's latent cells: each cell's error times 1 + (w − 1)·(the share of it the subject covers) (1: off).") var spriteWeight: Float = 1
    @Option(help: "Seed of the run (weights and data order).") var seed: UInt64 = 2
    @Option(help: "A new run starts from this finished model folder's text encoder and UNet (with --start-step) instead of random weights.") var startFrom: String?
    @Option(help: "The step the --start-from weights were trained to.") var startStep: Int?
    @Option(help: "Stop after this many minutes (the run stays resumable).") var minutes: Double?
    @OptionGroup var engine: ThreadOptions

    func run() throws {
        engine.apply()
        var s = UNetTrainingSettings()
        s.steps = steps; s.batch = batch; s.learningRate = lr; s.datasetSize = dataset; s.seed = seed; s.partCaptions = partCaptions; s.mixedCaptions = mixedCaptions
        guard (0...1).contains(tintedCaptions) else { throw ValidationError("--tinted-captions must be in 0–1, got \(tintedCaptions)") }
        s.tintedCaptions = tintedCaptions
        s.decaySteps = lrDecaySteps; s.minSNRGamma = minSnrGamma; s.velocityWeightCap = velocityWeightCap
        guard spriteWeight >= 1, spriteWeight.isFinite else { throw ValidationError("--sprite-weight must be at least 1, got \(spriteWeight)") }
        s.spriteWeight = spriteWeight
        let vaeModel = try AutoencoderKL(folder: URL(fileURLWithPath: vae))
        let tokenizer = try CLIPTokenizer(folder: StrataAssets.directory().appendingPathComponent("clip-tokenizer"))
        let trainer = try UNetTrainer(folder: URL(fileURLWithPath: runFolder), vae: vaeModel, tokenizer: tokenizer,
                                      settings: s, renderer: loadRenderer(), start: try StartWeights.parse(startFrom, startStep))
        try untilStopped(minutes: minutes) { try trainer.run(until: steps, shouldStop: $0) }
    }
}

/// `--start-from` and `--start-step` go together: a run that lost its folder goes on
/// from exported weights at the step they were trained to (the data of each step
/// depends only on the run seed and the step, so the run continues as it would have).
enum StartWeights {
    static func parse(_ folder: String?, _ step: Int?) throws -> (folder: URL, step: Int)? {
        switch (folder, step) {
        case (nil, nil): return nil
        case let (f?, s?) where s >= 0:
            guard FileManager.default.fileExists(atPath: f) else { throw ValidationError("--start-from: no folder at \(f)") }
            return (URL(fileURLWithPath: f), s)
        default: throw ValidationError("--start-from and --start-step (≥ 0) go together")
        }
    }
}

struct TrainExportVAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-vae",
        abstract: "Write a VAE run as a vae/ folder (fp16, scaling factor from its latents).")
    @Option(name: .customLong("run"), help: "VAE run folder.") var runFolder: String
    @Option(help: "Output vae/ folder.") var out: String
    @Option(help: "Keep the scaling factor of this vae/ folder (the one a UNet trained on, when only the decoder trained since) instead of measuring it.")
    var keepScalingFactor: String?

    func run() throws {
        let kept = try keepScalingFactor.map { try AutoencoderKL(folder: URL(fileURLWithPath: $0)).config.scalingFactor }
        let factor = try VAEExport.export(run: URL(fileURLWithPath: runFolder), to: URL(fileURLWithPath: out), renderer: loadRenderer(),
                                          scalingFactor: kept)
        print(String(format: "wrote %@ (scaling factor %.5f)", out, factor))
    }
}

struct TrainExportModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-model",
        abstract: "Write the whole model folder (diffusers layout, fp16) from a UNet run and a vae/ folder.")
    @Option(name: .customLong("run"), help: "UNet run folder.") var runFolder: String
    @Option(help: "The vae/ folder the UNet was trained on.") var vae: String
    @Option(help: "Output model folder.") var out: String
    @Flag(help: "Export the last step's weights instead of the run's weight average.") var last = false

    func run() throws {
        try UNetTrainer.exportModel(run: URL(fileURLWithPath: runFolder), vaeFolder: URL(fileURLWithPath: vae),
                                    tokenizerSource: StrataAssets.directory().appendingPathComponent("clip-tokenizer"),
                                    to: URL(fileURLWithPath: out), averaged: !last)
        print("wrote \(out)")
    }
}

struct TrainJudge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Train the judge (animal, tint, size, pose, background classifier); resumable. --export writes Assets/models/judge.")
    @Option(name: .customLong("run"), help: "Run folder.") var runFolder: String
    @Option(help: "Train until this many steps in all.") var steps = 3000
    @Option(help: "Scenes per step.") var batch = 64
    @Option(help: "Adam learning rate.") var lr: Float = 1e-3
    @Option(help: "Write the trained judge to this folder when done.") var export: String?
    @Option(help: "A new run goes on from this judge folder's weights instead of random ones.") var startFrom: String?
    @Option(help: "Share of each batch judged through a VAE round trip (encode, noise the latents, decode), as generated images come through the decoder.") var roundTrip: Float = 0
    @Option(help: "Largest noise standard deviation on round-trip latents.") var latentNoise: Float = 0.3
    @Option(help: "The vae/ folder for --round-trip (default: the built-in model's).") var vae: String?
    @Flag(help: "Train only the subject and mask heads, on the frozen rest of the judge started from (--start-from, default: the built-in judge).") var layerHeads = false
    @Option(help: "Share of a --layer-heads batch shown as its background alone.") var noSubjectShare: Float = 0.3
    @Option(help: "Stop after this many minutes (the run stays resumable).") var minutes: Double?
    @Option(help: "Save the run every this many steps (and at the end).") var saveEvery = 250
    @OptionGroup var engine: ThreadOptions

    func validate() throws { try requireCount(saveEvery, "--save-every") }

    func run() throws {
        engine.apply()
        var s = JudgeTrainingSettings()
        s.steps = steps; s.batch = batch; s.learningRate = lr; s.roundTrip = roundTrip; s.latentNoise = latentNoise
        s.saveEvery = saveEvery
        s.layerHeads = layerHeads; s.noSubjectShare = noSubjectShare
        guard (0...1).contains(noSubjectShare) else { throw fail("--no-subject-share must be a share between 0 and 1, got \(noSubjectShare)") }
        guard (0...1).contains(roundTrip) else { throw fail("--round-trip must be a share between 0 and 1, got \(roundTrip)") }
        let vaeModel = roundTrip > 0 ? try AutoencoderKL(folder: vae.map { URL(fileURLWithPath: $0) } ?? StrataAssets.builtInModel().appendingPathComponent("vae")) : nil
        let trainer = try JudgeTrainer(folder: URL(fileURLWithPath: runFolder), settings: s, renderer: loadRenderer(), vae: vaeModel,
                                       start: startFrom.map { URL(fileURLWithPath: $0) })
        try untilStopped(minutes: minutes) { try trainer.run(until: steps, shouldStop: $0) }
        if let export {
            try JudgeTrainer.export(run: URL(fileURLWithPath: runFolder), to: URL(fileURLWithPath: export))
            print("wrote \(export)")
        }
    }
}
