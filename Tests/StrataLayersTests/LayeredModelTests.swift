import Foundation
import XCTest
import StrataModels
@testable import StrataLayers
@testable import StrataTensor

/// The layered model's folder, its pipeline at any size, and what it refuses.
final class LayeredModelTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var tokenizerFolder: URL { root.appendingPathComponent("Assets/clip-tokenizer") }

    /// A random model small enough for a test: 16×16 layers, an 8×8×8 latent.
    static func tinyModel(seed: UInt64 = 1) throws -> LayeredModel {
        var text = CLIPTextConfig()
        text.hiddenSize = 32; text.intermediateSize = 64; text.numHiddenLayers = 2; text.numAttentionHeads = 2
        var unet = UNetConfig()
        unet.inChannels = 8; unet.outChannels = 8; unet.sampleSize = 8
        unet.blockOutChannels = [32, 32]; unet.layersPerBlock = 1; unet.attentionHeads = [2, 2]
        unet.downBlockTypes = ["CrossAttnDownBlock2D", "DownBlock2D"]; unet.upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D"]
        unet.crossAttentionDim = 32; unet.normNumGroups = 8
        var scheduler = SchedulerConfig()
        scheduler.className = "DDIMScheduler"
        return try LayeredModel(tokenizer: CLIPTokenizer(folder: tokenizerFolder),
                                textEncoder: CLIPTextModel(config: text, weights: .initialized(seed: seed)),
                                unet: UNet2DConditionModel(config: unet, weights: .initialized(seed: seed + 1)),
                                codec: LayeredAutoencoder(config: LayeredAutoencoderTests.tinyConfig, weights: .initialized(seed: seed + 2),
                                                                compositeHead: false),
                                schedulerConfig: scheduler)
    }

    static func settings(side: Int, steps: Int) -> TextToImageSettings {
        var s = TextToImageSettings(prompt: "a big dog jumping in a forest", width: side, height: side)
        s.steps = steps
        return s
    }

    /// Written as a folder and read back, the model draws the same layers, bit for bit;
    /// the layers are in range and compose as layers do.
    func testAWrittenFolderReadsBackAndDrawsTheSameLayers() throws {
        let model = try Self.tinyModel()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-layered-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.write(to: folder, tokenizerSource: Self.tokenizerFolder, as: .f32)
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("model_index.json"))) as? [String: Any]
        XCTAssertEqual(index?["_class_name"] as? String, "StrataText2LayerPipeline")
        let back = try LayeredModel(folder: folder)
        let s = Self.settings(side: 16, steps: 3)
        var r1 = TorchRandom(seed: 9), r2 = TorchRandom(seed: 9)
        let a = try TextToLayers(model: model).run(s, rng: &r1), b = try TextToLayers(model: back).run(s, rng: &r2)
        XCTAssertEqual(a.foreground.shape, [1, 3, 16, 16])
        XCTAssertEqual(a.mask.shape, [1, 1, 16, 16])
        XCTAssertEqual(a.foreground.scalars, b.foreground.scalars)
        XCTAssertEqual(a.background.scalars, b.background.scalars)
        XCTAssertEqual(a.mask.scalars, b.mask.scalars)
        XCTAssert(a.mask.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssert((a.foreground.scalars + a.background.scalars).allSatisfy { $0 >= -1 && $0 <= 1 })
    }

    /// An image model's folder and a folder missing a part are refused, saying why.
    func testAnImageModelOrAMissingPartIsRefused() throws {
        let model = try Self.tinyModel()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-layered-bad-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.write(to: folder, tokenizerSource: Self.tokenizerFolder)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("unet"))
        XCTAssertThrowsError(try LayeredModel(folder: folder)) { XCTAssert("\($0)".contains("missing unet/"), "\($0)") }
        try ModelFolderWriter.writeModelIndex(to: folder)
        XCTAssertThrowsError(try LayeredModel(folder: folder)) {
            XCTAssert("\($0)".contains("not a layered model") && "\($0)".contains("StableDiffusionPipeline"), "\($0)")
        }
        XCTAssertThrowsError(try LayeredModel(folder: folder.appendingPathComponent("nowhere"))) { XCTAssert("\($0)".contains("not a model folder"), "\($0)") }
    }

    /// The same code at Stable Diffusion 1.5's size, from its configs alone: random
    /// weights, one sampling step of a 64×64 layered image.
    func testAStableDiffusionSizedLayeredModelRunsOneStep() throws {
        var vae = VAEConfig()  // SD 1.5's widths, seven channels in and out
        vae.inChannels = 7; vae.outChannels = 7
        let model = try LayeredModel(tokenizer: CLIPTokenizer(folder: Self.tokenizerFolder),
                                     textEncoder: CLIPTextModel(config: CLIPTextConfig(), weights: .initialized(seed: 1)),
                                     unet: UNet2DConditionModel(config: UNetConfig(), weights: .initialized(seed: 2)),
                                     codec: LayeredAutoencoder(config: vae, weights: .initialized(seed: 3), compositeHead: false),
                                     schedulerConfig: SchedulerConfig())
        XCTAssertGreaterThan(model.unet.parameters.tensors.reduce(0) { $0 + $1.tensor.count }, 850_000_000)
        var rng = TorchRandom(seed: 1)
        let layers = try TextToLayers(model: model).run(Self.settings(side: 64, steps: 1), rng: &rng)
        XCTAssertEqual(layers.background.shape, [1, 3, 64, 64])
        XCTAssert(layers.mask.scalars.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
    }
}
