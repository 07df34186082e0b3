import Foundation
import XCTest
@testable import StrataModels
@testable import StrataTensor

final class TextToImageTests: XCTestCase {
    static func tinyModel() throws -> StableDiffusionModel {
        let m = UNetTests.models
        return StableDiffusionModel(
            tokenizer: try CLIPTokenizer(folder: CLIPTokenizerTests.root.appendingPathComponent("Assets/clip-tokenizer")),
            textEncoder: try CLIPTextModel(folder: m.appendingPathComponent("pipeline_tiny/text_encoder")),
            unet: try UNet2DConditionModel(folder: m.appendingPathComponent("unet_tiny")),
            vae: try AutoencoderKL(folder: m.appendingPathComponent("vae_tiny")),
            schedulerConfig: try SchedulerConfig.load(m.appendingPathComponent("pipeline_tiny/scheduler_config.json")))
    }

    /// A whole run of diffusers' StableDiffusionPipeline (prompt, negative prompt, 6 DDIM steps,
    /// guidance 7.5) on tiny random components, from the same initial latents.
    func testWholeRunMatchesDiffusers() throws {
        let io = try SafeTensorsFile(path: UNetTests.models.appendingPathComponent("pipeline_tiny/io.safetensors").path)
        let run = try JSONSerialization.jsonObject(with: Data(io.metadata["run"]!.utf8)) as! [String: Any]
        var s = TextToImageSettings(prompt: run["prompt"] as! String, width: 32, height: 32)
        s.negativePrompt = run["negative"] as! String
        s.steps = run["steps"] as! Int
        s.guidanceScale = run["cfg"] as! Double
        var rng = StrataRandom(seed: 0)
        var seen: [Int] = []
        let image = try TextToImage(model: Self.tinyModel()).run(s, latents: try io.tensor("latents"), rng: &rng) { step, _ in seen.append(step); return true }
        XCTAssertEqual(seen, Array(1...6))
        let expected = try io.tensor("image").permuted([0, 3, 1, 2])  // diffusers returns [N, H, W, C]
        XCTAssertLessThanOrEqual(relativeError(image, expected), 1e-4)
    }

    /// Seed 11 through PyTorch's CPU generator with Euler ancestral: the initial latents and
    /// every step's noise come from the generator, in diffusers' order.
    func testSeededRunWithTorchGeneratorMatchesDiffusers() throws {
        let io = try SafeTensorsFile(path: UNetTests.models.appendingPathComponent("pipeline_tiny/io.safetensors").path)
        var s = TextToImageSettings(prompt: "a blue dog jumping in a forest", width: 32, height: 32)
        s.negativePrompt = "blurry"; s.steps = 5; s.guidanceScale = 7.5; s.scheduler = .eulerAncestral; s.seed = 11
        var rng = TorchRandom(seed: 11)
        let image = try TextToImage(model: Self.tinyModel()).run(s, rng: &rng)
        XCTAssertLessThanOrEqual(relativeError(image, try io.tensor("image_seeded_euler_a").permuted([0, 3, 1, 2])), 1e-4)
    }

    /// Guidance from step 4 of 6 (guidanceStart 0.5): against diffusers' UNet and DDIM
    /// scheduler run the same way (scripts/make_guidance_start_fixture.py).
    func testLateGuidanceMatchesDiffusersLoop() throws {
        let models = UNetTests.models.appendingPathComponent("pipeline_tiny")
        let io = try SafeTensorsFile(path: models.appendingPathComponent("io.safetensors").path)
        let late = try SafeTensorsFile(path: models.appendingPathComponent("guidance_start.safetensors").path)
        let run = try JSONSerialization.jsonObject(with: Data(late.metadata["run"]!.utf8)) as! [String: Any]
        var s = TextToImageSettings(prompt: run["prompt"] as! String, width: 32, height: 32)
        s.negativePrompt = run["negative"] as! String
        s.steps = run["steps"] as! Int
        s.guidanceScale = run["cfg"] as! Double
        s.guidanceStart = run["guidance_start"] as! Double
        XCTAssertEqual(GuidedSampler.firstGuidedStep(s.guidanceStart, steps: s.steps), 3)
        var rng = StrataRandom(seed: 0)
        let image = try TextToImage(model: Self.tinyModel()).run(s, latents: try io.tensor("latents"), rng: &rng)
        XCTAssertLessThanOrEqual(relativeError(image, try late.tensor("image")), 1e-4)
        // Not the fully guided run's image.
        XCTAssertGreaterThan(relativeError(image, try io.tensor("image").permuted([0, 3, 1, 2])), 1e-2)
    }

    func testFirstGuidedStepRoundsTheShare() {
        XCTAssertEqual(GuidedSampler.firstGuidedStep(0, steps: 50), 0)
        XCTAssertEqual(GuidedSampler.firstGuidedStep(0.2, steps: 50), 10)
        XCTAssertEqual(GuidedSampler.firstGuidedStep(0.2, steps: 12), 2)
        XCTAssertEqual(GuidedSampler.firstGuidedStep(1, steps: 20), 20)
        XCTAssertEqual(GuidedSampler.firstGuidedStep(2, steps: 20), 20)
    }

    func testCancellationAndBadSizesStopWithErrors() throws {
        let model = try Self.tinyModel()
        var rng = StrataRandom(seed: 1)
        var s = TextToImageSettings(prompt: "a dog", width: 32, height: 32)
        s.steps = 3
        XCTAssertThrowsError(try TextToImage(model: model).run(s, rng: &rng) { step, _ in step < 2 }) {
            guard case GenerationError.cancelled = $0 else { return XCTFail("\($0)") }
        }
        s.width = 30
        XCTAssertThrowsError(try TextToImage(model: model).run(s, rng: &rng)) {
            guard case GenerationError.size = $0 else { return XCTFail("\($0)") }
        }
    }
}
