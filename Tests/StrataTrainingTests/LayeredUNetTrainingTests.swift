import Foundation
import XCTest
@testable import StrataTraining
import StrataLayers
import StrataModels
import StrataSprites
import StrataTensor

final class LayeredUNetTrainingTests: XCTestCase {
    /// A layered UNet run on a small exported autoencoder: the UNet reads and writes the
    /// autoencoder's latent channels, the cache holds the encoded layers of the run's
    /// training scenes, and a stopped run resumes at its step with its weight average.
    func testARunTrainsOnTheLayeredLatentsAndResumes() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-layered-unet-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        defer { try? FileManager.default.removeItem(at: root) }
        var config = LayeredModelRecipe.autoencoder(latentChannels: 6, blocks: [32, 32, 32])
        config.scalingFactor = 0.5
        let autoencoder = try LayeredAutoencoder(config: config, weights: .initialized(seed: 3), compositeHead: false)
        try ModelFolderWriter.writeVAE(autoencoder.core, to: root.appendingPathComponent("layered_vae"), as: .f32)
        let exported = try LayeredAutoencoder(folder: root.appendingPathComponent("layered_vae"))
        XCTAssertEqual(exported.config.latentChannels, 6)

        var s = LayeredUNetSettings()
        s.batch = 2; s.datasetSize = 4; s.logEvery = 100; s.saveEvery = 100
        let renderer = try SceneRenderer.shipped()
        let run = root.appendingPathComponent("run")
        let trainer = try LayeredUNetTrainer(folder: run, codec: exported, textModel: StrataAssets.builtInModel(),
                                             settings: s, renderer: renderer)
        XCTAssertEqual(trainer.unet.config.inChannels, 6)
        XCTAssertEqual(trainer.unet.config.outChannels, 6)
        XCTAssertEqual(trainer.cache.latents.shape, [4, 6, 16, 16])
        // The cache's second scene is the encoding of the run's training scene 1.
        let scene = LayeredSceneBatch(renderer: renderer, run: s.seed, first: 1, count: 1)
        let z = GradMode.disabled { exported.encode(scene.layers) }
        let per = z.count
        for i in 0..<per { XCTAssertEqual(trainer.cache.latents.data[per + i], z.data[i], accuracy: 2e-3 * max(1, abs(z.data[i]))) }
        XCTAssertEqual(trainer.cache.captions[1], scene.scenes[0].caption.text)
        try trainer.run(until: 2)
        let resumed = try LayeredUNetTrainer(folder: run, codec: exported, textModel: StrataAssets.builtInModel(),
                                             settings: s, renderer: renderer)
        XCTAssertEqual(resumed.progress.step, 2)
        XCTAssertEqual(resumed.average.updates, 2)
    }
}
