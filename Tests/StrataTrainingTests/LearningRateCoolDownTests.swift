import XCTest
@testable import StrataTraining
import StrataModels
import StrataSprites
@testable import StrataTensor

/// A cool-down given to a resumed run starts at the step it was given: the rate falls
/// along a cosine from the full rate to a tenth over the given steps and stays there.
final class LearningRateCoolDownTests: XCTestCase {
    func testCosineFallFromTheStepItWasGiven() {
        var progress = TrainingProgress(step: 1000, samplesSeen: 0, secondsTrained: 0, lossEMA: nil, settings: [:])
        XCTAssertEqual(TrainingState.learningRateFactor(1000, warmupSteps: 10, progress: progress), 1)
        progress.settings[TrainingState.decayKey] = "100"
        progress.settings[TrainingState.decayKey + "_from_step"] = "1000"
        XCTAssertEqual(TrainingState.learningRateFactor(999, warmupSteps: 10, progress: progress), 1)
        XCTAssertEqual(TrainingState.learningRateFactor(1000, warmupSteps: 10, progress: progress), 1)
        // Half way: (1 + cos(π/2)) / 2 = 0.5 of the way from 1 to 0.1.
        XCTAssertEqual(TrainingState.learningRateFactor(1050, warmupSteps: 10, progress: progress), 0.55, accuracy: 1e-6)
        XCTAssertEqual(TrainingState.learningRateFactor(1025, warmupSteps: 10, progress: progress),
                       0.1 + 0.9 * 0.5 * (1 + Float(cos(Double.pi / 4))), accuracy: 1e-6)
        XCTAssertEqual(TrainingState.learningRateFactor(1100, warmupSteps: 10, progress: progress), 0.1, accuracy: 1e-6)
        XCTAssertEqual(TrainingState.learningRateFactor(5000, warmupSteps: 10, progress: progress), 0.1, accuracy: 1e-6)
        // A warm-up still in progress multiplies in.
        progress.settings[TrainingState.warmupKey] = "1000"
        XCTAssertEqual(TrainingState.learningRateFactor(1004, warmupSteps: 10, progress: progress),
                       0.5 * (0.1 + 0.9 * 0.5 * (1 + Float(cos(Double.pi * 0.04)))), accuracy: 1e-6)
    }

    func testAResumedRunRecordsItsCoolDownAndTrainsAtTheCooledRate() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-cool-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let vaeFolder = root.appendingPathComponent("vae")
        try ModelFolderWriter.writeVAE(try AutoencoderKL(config: SpriteModelRecipe.vae, weights: .initialized(seed: 5)), to: vaeFolder, as: .f32)
        var settings = VAETrainingSettings()
        settings.batch = 2
        settings.warmupSteps = 1
        settings.freezeEncoder = true
        let run = root.appendingPathComponent("run")
        try VAETrainer(folder: run, settings: settings, renderer: SceneRenderer.shipped(), start: (vaeFolder, 300)).run(until: 301)

        settings.decaySteps = 4
        let cooled = try VAETrainer(folder: run, settings: settings, renderer: SceneRenderer.shipped())
        XCTAssertEqual(cooled.progress.settings[TrainingState.decayKey], "4")
        XCTAssertEqual(cooled.progress.settings[TrainingState.decayKey + "_from_step"], "301")
        try cooled.run(until: 303)
        // The last step trained was 302, a quarter into the cool-down.
        let expected = settings.learningRate * (0.1 + 0.9 * 0.5 * (1 + Float(cos(Double.pi / 4))))
        XCTAssertEqual(cooled.optimiser.learningRate, expected, accuracy: 1e-9)
        let saved = try TrainingState(folder: run).readProgress()
        XCTAssertEqual(saved.settings[TrainingState.decayKey], "4")
        XCTAssertEqual(saved.step, 303)
    }
}
