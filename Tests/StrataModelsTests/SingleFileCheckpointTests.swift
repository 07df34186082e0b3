import Foundation
import XCTest
@testable import StrataModels
@testable import StrataTensor

/// A single-file checkpoint with the original latent-diffusion key names, written by
/// scripts/make_single_file_fixture.py from the tiny components and checked there to
/// load in diffusers' from_single_file.
final class SingleFileCheckpointTests: XCTestCase {
    static let folder = UNetTests.models.appendingPathComponent("single_file")
    static var checkpoint: String { folder.appendingPathComponent("tiny-sd-v1.safetensors").path }

    func converted() throws -> URL {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("strata-convert-\(getpid())")
        try? FileManager.default.removeItem(at: out)
        let configs = try SingleFileCheckpoint.Configs(folder: Self.folder.appendingPathComponent("config"))
        try SingleFileCheckpoint.convert(path: Self.checkpoint, to: out, configs: configs,
                                         tokenizerSource: Self.folder.appendingPathComponent("config/tokenizer"))
        return out
    }

    /// Every tensor of the converted folder equals the component it was written from.
    func testConversionRecoversEveryWeight() throws {
        let out = try converted()
        defer { try? FileManager.default.removeItem(at: out) }
        let m = UNetTests.models
        let pairs = [("unet/diffusion_pytorch_model", "unet_tiny/diffusion_pytorch_model"),
                     ("vae/diffusion_pytorch_model", "vae_tiny/diffusion_pytorch_model"),
                     ("text_encoder/model", "pipeline_tiny/text_encoder/model")]
        for (mine, theirs) in pairs {
            let a = try SafeTensorsFile(path: out.appendingPathComponent(mine + ".safetensors").path)
            let b = try SafeTensorsFile(path: m.appendingPathComponent(theirs + ".safetensors").path)
            func plain(_ n: String) -> String { n.hasPrefix("text_model.") ? String(n.dropFirst("text_model.".count)) : n }
            XCTAssertEqual(Set(a.names.map(plain)), Set(b.names.map(plain)), mine)
            let byPlain = Dictionary(uniqueKeysWithValues: a.names.map { (plain($0), $0) })
            for name in b.names {
                guard let n = byPlain[plain(name)] else { continue }
                let x = try a.tensor(n), y = try b.tensor(name)
                XCTAssertEqual(x.count, y.count, name)
                // The checkpoint stores fp16, as the components' own files do.
                XCTAssertEqual(Array(UnsafeBufferPointer(start: x.data, count: x.count)),
                               Array(UnsafeBufferPointer(start: y.data, count: y.count)), name)
            }
        }
    }

    /// Text-to-image from the converted folder gives the image diffusers made from the
    /// same single file with from_single_file.
    func testConvertedModelMatchesDiffusersFromSingleFile() throws {
        let out = try converted()
        defer { try? FileManager.default.removeItem(at: out) }
        let model = try StableDiffusionModel(folder: out)
        let io = try SafeTensorsFile(path: Self.folder.appendingPathComponent("io.safetensors").path)
        var s = TextToImageSettings(prompt: "a blue dog jumping in a forest", width: 32, height: 32)
        s.negativePrompt = "blurry"; s.steps = 6; s.guidanceScale = 7.5
        var rng = StrataRandom(seed: 0)
        let image = try TextToImage(model: model).run(s, latents: try io.tensor("latents"), rng: &rng)
        XCTAssertLessThanOrEqual(relativeError(image, try io.tensor("image").permuted([0, 3, 1, 2])), 1e-4)
        // The integer position_ids tensor is in the file and was skipped, not loaded.
        XCTAssertEqual(try SafeTensorsFile(path: Self.checkpoint).entries["cond_stage_model.transformer.text_model.embeddings.position_ids"]?.dtype, "I64")
    }

    func testPickleFilesAndOtherFilesAreRefusedWithReasons() throws {
        let dir = FileManager.default.temporaryDirectory
        for ext in ["ckpt", "bin", "pt", "pth"] {
            let path = dir.appendingPathComponent("model-\(getpid()).\(ext)").path
            FileManager.default.createFile(atPath: path, contents: Data([0x80, 0x02]))
            defer { unlink(path) }
            XCTAssertThrowsError(try SingleFileCheckpoint.checkNotPickle(path)) { XCTAssertEqual($0 as? CheckpointFileError, .pickle(path)) }
        }
        // A zip archive (PyTorch's pickle container) renamed to .safetensors.
        let disguised = dir.appendingPathComponent("disguised-\(getpid()).safetensors").path
        FileManager.default.createFile(atPath: disguised, contents: Data([0x50, 0x4B, 3, 4, 0, 0]))
        defer { unlink(disguised) }
        XCTAssertThrowsError(try SingleFileCheckpoint.checkNotPickle(disguised))
        XCTAssert(CheckpointFileError.pickle("x.ckpt").description.contains("arbitrary code"))
        // A diffusers component file is not a single-file checkpoint.
        let unet = UNetTests.models.appendingPathComponent("unet_tiny/diffusion_pytorch_model.safetensors").path
        let tokenizer = try CLIPTokenizer(folder: Self.folder.appendingPathComponent("config/tokenizer"))
        XCTAssertThrowsError(try SingleFileCheckpoint.load(path: unet, configs: .init(), tokenizer: tokenizer)) {
            XCTAssertEqual($0 as? CheckpointFileError, .notSingleFile(unet))
        }
    }
}
