import Foundation
import XCTest
import StrataEdit
import StrataModels
import StrataSprites
import StrataTensor

/// Strata's SDEdit baseline is diffusers' StableDiffusionImg2ImgPipeline: on the built-in
/// model, from the bundled example, at a given strength, guidance scale and seed (DDIM,
/// PyTorch's CPU generator), it draws diffusers' image (scripts/make_sdedit_fixture.py).
final class SDEditReferenceTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sdedit-img2img.safetensors")

    struct Run: Decodable { var subject, background: String; var strength: Double; var cfg: Double; var seed: UInt64; var steps: Int }

    func testSDEditDrawsWhatDiffusersImg2ImgDraws() throws {
        let folder = try StrataAssets.builtInModel()
        let io = try SafeTensorsFile(path: Self.fixture.path)
        let unetFile = folder.appendingPathComponent("unet/diffusion_pytorch_model.safetensors").path
        XCTAssertEqual(try SHA256.hexDigest(ofFile: unetFile), io.metadata["unet_sha256"],
                       "the built-in model changed since the fixture was made: rerun scripts/make_sdedit_fixture.py")
        let runs = try JSONDecoder().decode([Run].self, from: Data(io.metadata["runs"]!.utf8))
        let model = try EditModel(try StableDiffusionModel(folder: folder))
        let source = try io.tensor("source")
        for (i, run) in runs.enumerated() {
            let inputs = EditInputs(source: source, subjectMask: Tensor(repeating: 1, shape: [1, 1, 64, 64]),
                                    subjectText: run.subject, backgroundText: run.background)
            var s = EditSettings()
            s.sdeditStrength = run.strength; s.sdeditGuidanceScale = run.cfg; s.samplingSteps = run.steps
            s.seeds = [run.seed]
            let image = try Baselines(model: model).run(.sdedit, inputs: inputs, settings: s) { _ in true }[0]
            let want = try io.tensor("image\(i)")
            let worst = zip(image.scalars, want.scalars).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1 / 255, "run \(i): largest difference \(worst * 255) levels")
        }
    }
}
