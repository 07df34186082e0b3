import Foundation
import XCTest
@testable import StrataModels
@testable import StrataTensor

final class UNetTests: XCTestCase {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/models")

    /// diffusers' UNet2DConditionModel at test size (blocks of 32 and 64 channels, cross-attention
    /// width 32, random weights): the noise prediction, the masked MSE loss fine-tuning uses and
    /// that loss's gradients for parameters across the network, with conv and linear projections.
    func testMatchesDiffusersForwardAndParameterGradients() throws {
        for name in ["unet_tiny", "unet_tiny_linear"] {
            let folder = Self.models.appendingPathComponent(name)
            let unet = try UNet2DConditionModel(folder: folder)
            let io = try SafeTensorsFile(path: folder.appendingPathComponent("io.safetensors").path)
            for (_, t) in unet.parameters.tensors { t.requiringGrad() }
            let pred = unet(try io.tensor("sample"), timesteps: try io.tensor("timesteps"), context: try io.tensor("context"))
            XCTAssertLessThanOrEqual(relativeError(pred, try io.tensor("prediction")), 1e-4, "\(name) prediction")
            let mask = try io.tensor("mask"), target = try io.tensor("target")
            let loss = (pred * mask).maskedMSE(target * mask, mask: nil)
            XCTAssertEqual(loss.item, try io.tensor("loss").item, accuracy: 1e-5 * max(1, abs(loss.item)), "\(name) loss")
            loss.backward()
            let byName = Dictionary(uniqueKeysWithValues: unet.parameters.tensors.map { ($0.name, $0.tensor) })
            var checked = 0
            for key in io.names where key.hasPrefix("grad:") {
                let param = String(key.dropFirst(5))
                guard let g = byName[param]?.grad else { XCTFail("\(name): no gradient for \(param)"); continue }
                XCTAssertLessThanOrEqual(relativeError(g, try io.tensor(key)), 1e-4, "\(name) gradient of \(param)")
                checked += 1
            }
            XCTAssertGreaterThanOrEqual(checked, 10)
        }
    }

    func testCheckpointedBackwardGivesTheSameGradients() throws {
        let folder = Self.models.appendingPathComponent("unet_tiny")
        let io = try SafeTensorsFile(path: folder.appendingPathComponent("io.safetensors").path)
        var grads: [[Float]] = []
        for checkpointing in [false, true] {
            let unet = try UNet2DConditionModel(folder: folder)
            unet.gradientCheckpointing = checkpointing
            let w = unet.parameters.tensors.first { $0.name == "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q.weight" }!.tensor
            w.requiringGrad()
            let pred = unet(try io.tensor("sample"), timesteps: try io.tensor("timesteps"), context: try io.tensor("context"))
            pred.maskedMSE(try io.tensor("target"), mask: try io.tensor("mask")).backward()
            grads.append(w.grad!.scalars)
        }
        XCTAssertEqual(grads[0].count, grads[1].count)
        for (a, b) in zip(grads[0], grads[1]) { XCTAssertEqual(a, b, accuracy: 1e-6 + 1e-5 * abs(b)) }
    }
}
