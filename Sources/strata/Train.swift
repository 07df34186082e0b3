import ArgumentParser
import Foundation
import StrataModels
import StrataSprites
import StrataTensor
import StrataTraining

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the built-in model's parts on the sprite world (resumable runs).",
        subcommands: [TrainVAE.self])
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
    @Option(help: "Seed of the run (weights and scenes).") var seed: UInt64 = 1
    @Option(help: "Stop after this many minutes (the run stays resumable).") var minutes: Double?
    @Option(help: "Threads (default: all cores).") var threads: Int?

    func run() throws {
        if let threads { Engine.threads = threads }
        var s = VAETrainingSettings()
        s.steps = steps; s.batch = batch; s.learningRate = lr; s.spriteWeight = spriteWeight; s.seed = seed
        let trainer = try VAETrainer(folder: URL(fileURLWithPath: runFolder), settings: s, renderer: loadRenderer())
        let deadline = minutes.map { Date().addingTimeInterval($0 * 60) }
        try trainer.run(until: steps) { deadline.map { Date() > $0 } ?? false }
    }
}
