import Foundation
import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

final class LoRATests: XCTestCase {
    /// A UNet with adapters equals the same UNet with the low-rank update merged into
    /// its weights (W + scale · up · down); fresh adapters change nothing.
    func testAdaptersEqualMergedWeights() throws {
        let folder = LayerDiffusionEditTests.models.appendingPathComponent("unet_tiny")
        let io = try SafeTensorsFile(path: folder.appendingPathComponent("io.safetensors").path)
        let unet = try UNet2DConditionModel(folder: folder)
        let run = { (u: UNet2DConditionModel) in
            GradMode.disabled { u(try! io.tensor("sample"), timesteps: try! io.tensor("timesteps"), context: try! io.tensor("context")) }
        }
        let plain = run(unet)
        let adapters = unet.loraAdapters(rank: 2, seed: 4)
        XCTAssertEqual(adapters.count, unet.attentionProjections.count)
        XCTAssertGreaterThanOrEqual(adapters.count, 8)
        let wrapped = try unet.with(adapters)
        XCTAssertEqual(run(wrapped).scalars, plain.scalars, "up starts at zero")
        var rng = StrataRandom(seed: 5)
        for a in adapters.values { for i in 0..<a.up.count { a.up.data[i] = rng.nextNormal() * 0.05 } }
        let adapted = run(wrapped)
        // The wrapper shares the UNet's weight tensors rather than copying them.
        XCTAssert(zip(wrapped.parameters.tensors, unet.parameters.tensors).allSatisfy { $0.tensor === $1.tensor })
        // Merge by hand into a copy's weights.
        var weights = ModelFolderWriter.tensors(unet.parameters)
        for (layer, a) in adapters {
            let w = weights[layer + ".weight"]!.copy()
            let r = a.down.shape[0], inF = a.down.shape[1], outF = a.up.shape[0]
            for o in 0..<outF { for i in 0..<inF {
                var s: Float = 0
                for k in 0..<r { s += a.up.data[o * r + k] * a.down.data[k * inF + i] }
                w.data[o * inF + i] += a.scale * s
            } }
            weights[layer + ".weight"] = w
        }
        let merged = try UNet2DConditionModel(config: unet.config, weights: .copying(weights, source: "merged"))
        XCTAssertLessThanOrEqual(relativeError(adapted, run(merged)), 1e-5)
        XCTAssertGreaterThan(relativeError(adapted, plain), 1e-4)
        XCTAssertEqual(run(unet).scalars, plain.scalars, "the UNet itself has no adapters")
        XCTAssert(unet.adapters.isEmpty)
    }

    func testLoRAFineTuningLeavesTheModelAndIsCached() throws {
        let model = try LayerDiffusionEditTests.tinyModel()
        let before = model.unet.parameters.tensors.flatMap { $0.tensor.scalars }
        let edit = LayerDiffusionEdit(model: try EditModel(model), modelHash: "tiny")
        var s = LayerDiffusionEditTests.quickSettings()
        s.finetuneMode = .lora; s.finetuneLR = 1e-2; s.loraRank = 2
        let first = try edit.run(LayerDiffusionEditTests.inputs(), settings: s)
        XCTAssertEqual(model.unet.parameters.tensors.flatMap { $0.tensor.scalars }, before)
        XCTAssert(model.unet.adapters.isEmpty)
        s.seeds = [5, 6, 8]
        let more = try edit.run(LayerDiffusionEditTests.inputs(), settings: s)
        XCTAssertEqual(more.reused, [.reference, .optimise, .finetune])
        XCTAssertEqual(more.images[0].scalars, first.images[0].scalars, "the cached adapters give the same result")
        s.finetuneSteps = 0
        let untuned = try edit.run(LayerDiffusionEditTests.inputs(), settings: s)
        XCTAssertNotEqual(untuned.images[0].scalars, first.images[0].scalars)
    }
}
