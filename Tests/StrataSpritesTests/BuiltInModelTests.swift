import Foundation
import XCTest
import StrataModels
import StrataSprites
import StrataTensor

/// The built-in model folder as shipped: diffusers' StableDiffusionPipeline loaded it as
/// it is and drew the fixture from given latents (scripts/make_built_in_model_fixture.py);
/// Strata must draw the same images from the same latents.
final class BuiltInModelTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/built-in-model.safetensors")

    struct Run: Decodable { var prompt: String; var steps: Int; var cfg: Double; var unet_sha256: String }

    func testBuiltInModelDrawsWhatDiffusersDraws() throws {
        let folder = try StrataAssets.builtInModel()
        let io = try SafeTensorsFile(path: Self.fixture.path)
        let run = try JSONDecoder().decode(Run.self, from: Data(io.metadata["run"]!.utf8))
        let unetFile = folder.appendingPathComponent("unet/diffusion_pytorch_model.safetensors").path
        XCTAssertEqual(try SHA256.hexDigest(ofFile: unetFile), run.unet_sha256,
                       "the built-in model changed since the fixture was made: rerun scripts/make_built_in_model_fixture.py")
        let model = try StableDiffusionModel(folder: folder)
        var s = TextToImageSettings(prompt: run.prompt, width: 64, height: 64)
        s.steps = run.steps; s.guidanceScale = run.cfg
        var rng = StrataRandom(seed: 0)
        let latents = try io.tensor("latents")
        let expected = try io.tensor("image").permuted([0, 3, 1, 2])
        for i in 0..<2 {
            let image = try TextToImage(model: model).run(s, latents: latents.slice(axis: 0, i..<i + 1), rng: &rng)
            let want = expected.slice(axis: 0, i..<i + 1)
            XCTAssertLessThanOrEqual(relativeError(image, want), 2e-3, "image \(i)")
            // Within half a level of 8-bit output almost everywhere.
            let a = image.scalars, b = want.scalars
            let off = zip(a, b).filter { abs($0 - $1) > 0.5 / 255 }.count
            XCTAssertLessThanOrEqual(Double(off) / Double(a.count), 0.01, "image \(i): \(off) values differ by more than half a level")
        }
    }
}
