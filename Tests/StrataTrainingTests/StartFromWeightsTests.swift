import XCTest
@testable import StrataTraining
import StrataModels
import StrataSprites
@testable import StrataTensor

/// A run whose folder was lost goes on from exported weights at their step: the weights
/// are those of the folder, the step and sample count go on from there, and the learning
/// rate warms up again from that step since the optimiser's moments are fresh.
final class StartFromWeightsTests: XCTestCase {
    func testVAERunStartsFromExportedWeightsAtTheirStep() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-start-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let exported = try AutoencoderKL(config: SpriteModelRecipe.vae, weights: .initialized(seed: 77))
        let vaeFolder = root.appendingPathComponent("vae")
        try ModelFolderWriter.writeVAE(exported, to: vaeFolder, as: .f32)

        var settings = VAETrainingSettings()
        settings.batch = 2
        settings.warmupSteps = 4
        settings.freezeEncoder = true
        let run = root.appendingPathComponent("run")
        let trainer = try VAETrainer(folder: run, settings: settings, renderer: SceneRenderer.shipped(), start: (vaeFolder, 300))
        XCTAssertEqual(trainer.progress.step, 300)
        XCTAssertEqual(trainer.progress.samplesSeen, 600)
        let loaded = Dictionary(uniqueKeysWithValues: trainer.vae.parameters.tensors.map { ($0.name, $0.tensor.scalars) })
        for (name, tensor) in exported.parameters.tensors {
            XCTAssertEqual(loaded[name], tensor.scalars, name)
        }
        // Warm-up restarts at the start step: a quarter of the rate on its first step.
        XCTAssertEqual(TrainingState.warmup(300, steps: 4, progress: trainer.progress), 0.25)
        XCTAssertEqual(TrainingState.warmup(303, steps: 4, progress: trainer.progress), 1)

        try trainer.run(until: 301)
        let resumed = try TrainingState(folder: run).readProgress()
        XCTAssertEqual(resumed.step, 301)
        XCTAssertEqual(resumed.settings["started_from_step"], "300")
        // The decoder moved; the frozen encoder did not.
        let after = try TrainingState(folder: run).parameterStore("vae")
        let encoderName = exported.parameters.tensors.first { !VAETrainer.isDecoder($0.name) }!.name
        let decoderName = exported.parameters.tensors.first { $0.name.hasPrefix("decoder.conv_out.weight") }!.name
        let shape = { (n: String) in exported.parameters.tensors.first { $0.name == n }!.tensor.shape }
        XCTAssertEqual(try after.tensor(encoderName, shape(encoderName)).scalars, loaded[encoderName])
        XCTAssertNotEqual(try after.tensor(decoderName, shape(decoderName)).scalars, loaded[decoderName])
    }

    func testARunWithoutOptimiserStateWarmsUpAgain() throws {
        let progress = TrainingProgress(step: 0, samplesSeen: 0, secondsTrained: 0, lossEMA: nil, settings: [:])
        XCTAssertEqual(TrainingState.warmup(0, steps: 10, progress: progress), 0.1)
        XCTAssertEqual(TrainingState.warmup(500, steps: 10, progress: progress), 1)
        var fresh = progress
        fresh.settings[TrainingState.warmupKey] = "500"
        XCTAssertEqual(TrainingState.warmup(500, steps: 10, progress: fresh), 0.1)
        XCTAssertEqual(TrainingState.warmup(509, steps: 10, progress: fresh), 1)
    }
}
