import Foundation
import XCTest
@testable import StrataModels
@testable import StrataTensor

/// What training at SD 1.5 size relies on: Adam applied to each parameter while the
/// backward pass runs (and through checkpointed blocks) is the same Adam as one step
/// after it; fresh weights follow PyTorch's default initialisation.
final class TrainingStepTests: XCTestCase {
    func testAdamDuringBackwardEqualsAdamAfterBackward() throws {
        let folder = UNetTests.models.appendingPathComponent("unet_tiny")
        let io = try SafeTensorsFile(path: folder.appendingPathComponent("io.safetensors").path)
        var results: [[Float]] = []
        for fused in [false, true] {
            let unet = try UNet2DConditionModel(folder: folder)
            // Both through checkpointed blocks: the same arithmetic, so Adam (which turns
            // rounding noise in near-zero gradients into whole steps) sees equal gradients.
            unet.gradientCheckpointing = true
            let params = unet.parameters.tensors.map { $0.tensor.requiringGrad() }
            let adam = Adam(params, learningRate: 1e-3)
            if fused { adam.updateDuringBackward() }
            for _ in 0..<2 {
                if fused { adam.beginStep() }
                let pred = unet(try io.tensor("sample"), timesteps: try io.tensor("timesteps"), context: try io.tensor("context"))
                pred.maskedMSE(try io.tensor("target"), mask: try io.tensor("mask")).backward()
                if !fused { adam.step() }
                if fused { XCTAssert(params.allSatisfy { $0.grad == nil }, "gradients are freed as they are applied") }
            }
            results.append(params.flatMap { $0.scalars })
        }
        XCTAssertEqual(results[0].count, results[1].count)
        var worst: Float = 0
        for (a, b) in zip(results[0], results[1]) { worst = max(worst, abs(a - b)) }
        XCTAssertLessThanOrEqual(worst, 1e-5)
        XCTAssertNotEqual(results[0], try UNet2DConditionModel(folder: folder).parameters.tensors.flatMap { $0.tensor.scalars })
    }

    func testFreshWeightsFollowPyTorchDefaults() throws {
        var rng = StrataRandom(seed: 3)
        let w = WeightInitializer.tensor("down.conv.weight", [64, 32, 3, 3], rng: &rng)
        let bound = 1 / Float(32 * 9).squareRoot()
        XCTAssert(w.scalars.allSatisfy { abs($0) <= bound })
        let mean = w.scalars.reduce(0, +) / Float(w.count)
        let variance = w.scalars.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(w.count)
        XCTAssertEqual(variance, bound * bound / 3, accuracy: 0.1 * bound * bound / 3)  // uniform(−b, b)
        XCTAssertEqual(WeightInitializer.tensor("norm.weight", [8], rng: &rng).scalars, [Float](repeating: 1, count: 8))
        XCTAssertEqual(WeightInitializer.tensor("norm.bias", [8], rng: &rng).scalars, [Float](repeating: 0, count: 8))
        let e = WeightInitializer.tensor("token_embedding.weight", [1000, 16], rng: &rng)
        let sd = (e.scalars.reduce(0) { $0 + $1 * $1 } / Float(e.count)).squareRoot()
        XCTAssertEqual(sd, 0.02, accuracy: 0.002)
        // Seeded: the same model twice.
        let a = try UNet2DConditionModel(config: UNetConfig.tiny, weights: .initialized(seed: 9))
        let b = try UNet2DConditionModel(config: UNetConfig.tiny, weights: .initialized(seed: 9))
        XCTAssertEqual(a.parameters.tensors.flatMap { $0.tensor.scalars }, b.parameters.tensors.flatMap { $0.tensor.scalars })
        // As diffusers builds it: attention projections of q, k, v without bias, convolutions with.
        XCTAssertFalse(a.parameters.tensors.contains { $0.name.hasSuffix(".to_q.bias") || $0.name.hasSuffix(".to_v.bias") })
        XCTAssert(a.parameters.tensors.contains { $0.name == "conv_in.bias" })
        XCTAssert(a.parameters.tensors.contains { $0.name.hasSuffix(".attn1.to_out.0.bias") })
    }
}

extension UNetConfig {
    static var tiny: UNetConfig {
        var c = UNetConfig()
        c.blockOutChannels = [32, 64]; c.layersPerBlock = 1
        c.downBlockTypes = ["CrossAttnDownBlock2D", "DownBlock2D"]; c.upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D"]
        c.attentionHeads = [2, 2]; c.crossAttentionDim = 32; c.sampleSize = 8
        return c
    }
}
