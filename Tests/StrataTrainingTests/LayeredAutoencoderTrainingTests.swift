import Foundation
import XCTest
@testable import StrataTraining
import StrataLayers
import StrataSprites
import StrataTensor

final class LayeredAutoencoderTrainingTests: XCTestCase {
    static let renderer = try! SceneRenderer.shipped()

    func settings() -> LayeredAutoencoderSettings {
        var s = LayeredAutoencoderSettings()
        s.batch = 2; s.blockOutChannels = [32, 32]; s.latentChannels = 4; s.warmupSteps = 1; s.learningRate = 2e-3
        s.logEvery = 1_000; s.saveEvery = 1_000
        return s
    }

    func folder(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        return url
    }

    /// A batch holds the rendered layers: F, B and m as the scene gives them, and the
    /// composite target equals the scene render within rounding.
    func testBatchHoldsTheScenesLayers() {
        let batch = LayeredSceneBatch(renderer: Self.renderer, run: 5, first: 3, count: 2)
        let scene = Self.renderer.render(seed: SceneBatch.trainingSeed(run: 5, index: 4))
        let plane = 64 * 64
        for i in 0..<plane { for c in 0..<3 {
            let v = (batch.composites.data[(3 + c) * plane + i] + 1) * 127.5
            XCTAssertEqual(v, Float(scene.rgb[i * 3 + c]), accuracy: 0.51)
        } }
        XCTAssertEqual(batch.layers.mask.shape, [2, 1, 64, 64])
        XCTAssertEqual((0..<plane).filter { batch.layers.mask.data[plane + $0] > 0.5 }.count, scene.mask.reduce(0) { $0 + Int($1) })
    }

    /// Training lowers every head's loss on the data it trains on, and the auxiliary head
    /// is trained only when its weight is positive.
    func testStepsLowerTheLossesAndTheRunResumes() throws {
        let url = folder("layered-ae")
        defer { try? FileManager.default.removeItem(at: url) }
        let trainer = try LayeredAutoencoderTrainer(folder: url, settings: settings(), renderer: Self.renderer)
        let fixed = LayeredSceneBatch(renderer: Self.renderer, run: 9, first: 0, count: 2)
        let before = GradMode.disabled { trainer.losses(fixed, step: 0) }
        for _ in 0..<40 {
            let l = trainer.losses(fixed, step: 0)
            l.total.backward()
            trainer.optimiser.step()
        }
        let after = GradMode.disabled { trainer.losses(fixed, step: 0) }
        XCTAssertLessThan(after.foreground.item, before.foreground.item * 0.8)
        XCTAssertLessThan(after.background.item, before.background.item * 0.8)
        XCTAssertLessThan(after.mask.item, before.mask.item * 0.8)
        XCTAssertLessThan(after.composite.item, before.composite.item * 0.8)
        try trainer.run(until: 2)
        let resumed = try LayeredAutoencoderTrainer(folder: url, settings: settings(), renderer: Self.renderer)
        XCTAssertEqual(resumed.progress.step, 2)
        XCTAssertEqual(resumed.model.config.latentChannels, 4)
        // The run's saved weights load without the auxiliary head for evaluation.
        let trained = try LayeredAutoencoderTrainer.trained(run: url)
        XCTAssertFalse(trained.hasCompositeHead)
        XCTAssertEqual(trained.parameters.tensors.count + 4, resumed.model.parameters.tensors.count)
    }

    func testWithoutTheAuxiliaryBranchThereIsNoCompositeLoss() throws {
        let url = folder("layered-ae-nosup")
        defer { try? FileManager.default.removeItem(at: url) }
        var s = settings()
        s.compositeWeight = 0
        let trainer = try LayeredAutoencoderTrainer(folder: url, settings: s, renderer: Self.renderer)
        XCTAssertFalse(trainer.model.hasCompositeHead)
        let l = GradMode.disabled { trainer.losses(LayeredSceneBatch(renderer: Self.renderer, run: 9, first: 0, count: 2), step: 0) }
        XCTAssertEqual(l.composite.item, 0)
    }
}
