import Foundation
import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

final class BaselineTests: XCTestCase {
    func testBaselinesRunOnTheSameModel() throws {
        let sd = try LayerDiffusionEditTests.tinyModel()
        let model = try EditModel(sd)
        let before = sd.unet.parameters.tensors.flatMap { $0.tensor.scalars }
        let inputs = LayerDiffusionEditTests.inputs()
        var s = LayerDiffusionEditTests.quickSettings()
        s.samplingSteps = 5
        let baselines = Baselines(model: model)
        // Text-to-image: exactly the pipeline's text-to-image of T from the same seed.
        let t2i = try baselines.run(.txt2img, inputs: inputs, settings: s) { _ in true }
        var settings = TextToImageSettings(prompt: inputs.fullText, width: 32, height: 32)
        settings.steps = 5
        var rng = TorchRandom(seed: s.seeds[0])
        XCTAssertLessThanOrEqual(relativeError(t2i[0], try TextToImage(model: sd).run(settings, rng: &rng)), 1e-5)  // float rounding of other batch layouts: 1.8e-6 measured on Zen 4
        // SDEdit at strength 0.6 runs the last 60% of the steps (3 of 5) from the noised source.
        var steps: [Int] = []
        let sdedit = try baselines.run(.sdedit, inputs: inputs, settings: s) { p in steps.append(p.step); return true }
        XCTAssertEqual(steps.count, 2 * 3)
        XCTAssertNotEqual(sdedit[0].scalars, t2i[0].scalars)
        let imagic = try baselines.run(.imagic, inputs: inputs, settings: s) { _ in true }
        XCTAssertEqual(imagic.count, 2)
        XCTAssert(imagic.allSatisfy { $0.shape == [1, 3, 32, 32] })
        XCTAssertEqual(sd.unet.parameters.tensors.flatMap { $0.tensor.scalars }, before)
    }

    /// With `colour_match`, a baseline's results are finished as LayerDiffusion's: the
    /// same images outside the masks suggested on them, which come back with the result.
    func testBaselinesAreColourMatchedWhenAsked() throws {
        let model = try EditModel(try LayerDiffusionEditTests.tinyModel())
        let inputs = LayerDiffusionEditTests.inputs()
        var s = LayerDiffusionEditTests.quickSettings()
        let plain = try Baselines(model: model).result(.txt2img, inputs: inputs, settings: s) { _ in true }
        XCTAssertNil(plain.resultMasks)
        s.colourMatch = 1
        let matched = try Baselines(model: model).result(.txt2img, inputs: inputs, settings: s) { _ in true }
        let masks = try XCTUnwrap(matched.resultMasks)
        for (i, (a, b)) in zip(plain.images, matched.images).enumerated() {
            XCTAssertEqual(b.scalars, ColourMatch.apply(result: a, resultMask: masks[i], source: inputs.source, sourceMask: inputs.subjectMask, strength: 1).scalars,
                           "the sampled image matched under its mask")
        }
    }
}
