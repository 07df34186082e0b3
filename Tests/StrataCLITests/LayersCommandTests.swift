import Foundation
import XCTest
import StrataLayers
import StrataModels

/// `strata layers generate` as a script uses it: the files of each seed read back with
/// a real PNG reader and agree with each other; a bad model folder is one line, exit 2.
final class LayersCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A random layered model of 16×16 images, written as a folder.
    static func writeTinyModel(to folder: URL) throws {
        var text = CLIPTextConfig()
        text.hiddenSize = 32; text.intermediateSize = 64; text.numHiddenLayers = 2; text.numAttentionHeads = 2
        var unet = UNetConfig()
        unet.inChannels = 4; unet.outChannels = 4; unet.sampleSize = 8; unet.blockOutChannels = [32]; unet.layersPerBlock = 1
        unet.attentionHeads = [2]; unet.downBlockTypes = ["CrossAttnDownBlock2D"]; unet.upBlockTypes = ["CrossAttnUpBlock2D"]
        unet.crossAttentionDim = 32; unet.normNumGroups = 8
        var vae = VAEConfig()
        vae.inChannels = 7; vae.outChannels = 7; vae.latentChannels = 4; vae.blockOutChannels = [32, 32]; vae.layersPerBlock = 1
        vae.normNumGroups = 8; vae.sampleSize = 16
        let tokenizer = root.appendingPathComponent("Assets/clip-tokenizer")
        try LayeredModel(tokenizer: CLIPTokenizer(folder: tokenizer), textEncoder: CLIPTextModel(config: text, weights: .initialized(seed: 1)),
                         unet: UNet2DConditionModel(config: unet, weights: .initialized(seed: 2)),
                         codec: LayeredAutoencoder(config: vae, weights: .initialized(seed: 3), compositeHead: false),
                         schedulerConfig: SchedulerConfig())
            .write(to: folder, tokenizerSource: tokenizer)
    }

    func testGenerateWritesEachSeedsLayersAndTheSidecar() throws {
        let dir = try CommandRunner.temporaryFolder("layers")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model"), out = dir.appendingPathComponent("out")
        try Self.writeTinyModel(to: model)
        let r = try CommandRunner.run(["layers", "generate", "--model", model.path, "--prompt", "a big dog jumping in a forest",
                                       "--seeds", "3,5", "--steps", "2", "--out", out.path, "--json", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let record = try XCTUnwrap(summary["record"] as? [String: Any])
        XCTAssertEqual(record["seeds"] as? [Int], [3, 5])
        XCTAssertEqual(record["steps"] as? Int, 2)
        let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("layers.json"))) as? [String: Any])
        XCTAssertEqual(sidecar["prompt"] as? String, "a big dog jumping in a forest")
        XCTAssertEqual((sidecar["results"] as? [[String]])?.first?.count, 5)
        for seed in [3, 5] {
            let folder = out.appendingPathComponent("seed-\(seed)")
            let composite = try PNGImage.read(folder.appendingPathComponent("composite.png").path)
            let f = try PNGImage.read(folder.appendingPathComponent("foreground.png").path)
            let b = try PNGImage.read(folder.appendingPathComponent("background.png").path)
            let m = try PNGImage.read(folder.appendingPathComponent("mask.png").path)
            XCTAssertEqual([composite.width, f.width, b.width, m.width], [16, 16, 16, 16])
            XCTAssert(composite.text["parameters"]?.contains("Seed: \(seed)") == true, "\(composite.text)")
            for i in 0..<(16 * 16) {
                // F's alpha is the mask; F over B is the composite (8-bit rounding of each).
                XCTAssertEqual(f.rgba[i * 4 + 3], m.rgba[i * 4])
                let a = Double(m.rgba[i * 4]) / 255
                for c in 0..<3 {
                    let over = a * Double(f.rgba[i * 4 + c]) + (1 - a) * Double(b.rgba[i * 4 + c])
                    XCTAssertEqual(Double(composite.rgba[i * 4 + c]), over, accuracy: 2.5, "pixel \(i)")
                }
            }
            let ora = try Data(contentsOf: folder.appendingPathComponent("layers.ora"))
            XCTAssertEqual(Array(ora.prefix(2)), [0x50, 0x4B])
            let text = String(decoding: ora, as: UTF8.self)
            XCTAssert(text.contains("name=\"foreground\"") && text.contains("name=\"background\""))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [], "no staging left")
    }

    /// A sprite-world model (its folder says so) generates a prompt outside its world,
    /// warning on standard error and in layers.json about the words it does not know.
    func testAPromptOutsideTheWorldIsGeneratedWithAWarning() throws {
        let dir = try CommandRunner.temporaryFolder("layers-warning")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model"), out = dir.appendingPathComponent("out")
        try Self.writeTinyModel(to: model)
        try Data("{\"world\": \"sprites\"}".utf8).write(to: model.appendingPathComponent("strata_world.json"))
        let r = try CommandRunner.run(["layers", "generate", "--model", model.path, "--prompt", "a big dog flying over a volcano",
                                       "--steps", "2", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssert(r.stderr.contains("does not know \"flying\", \"over\", \"volcano\""), r.stderr)
        let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("layers.json"))) as? [String: Any])
        XCTAssert((sidecar["warnings"] as? [String])?.first?.contains("volcano") == true, "\(sidecar)")
    }

    func testABadModelFolderIsOneLineAndExitsTwo() throws {
        let dir = try CommandRunner.temporaryFolder("layers-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model")
        try Self.writeTinyModel(to: model)
        try FileManager.default.removeItem(at: model.appendingPathComponent("layered_vae"))
        let r = try CommandRunner.run(["layers", "generate", "--model", model.path, "--prompt", "a cat lying on a beach",
                                       "--out", dir.appendingPathComponent("out").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssert(r.stderr.contains("missing layered_vae/"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
        let image = try CommandRunner.run(["layers", "generate", "--model", Self.root.appendingPathComponent("Assets/models/strata-sprites").path,
                                           "--prompt", "a cat lying on a beach", "--out", dir.appendingPathComponent("out").path])
        XCTAssertEqual(image.status, 2)
        XCTAssert(image.stderr.contains("not a layered model"), image.stderr)
    }
}
