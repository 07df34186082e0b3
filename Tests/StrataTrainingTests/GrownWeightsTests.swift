import XCTest
@testable import StrataTraining
import StrataModels
@testable import StrataTensor

/// A UNet grown by added cross-attention blocks draws exactly what the smaller one drew
/// until training moves the added blocks, and those blocks do train.
final class GrownWeightsTests: XCTestCase {
    func testAddedAttentionStartsAsIdentity() throws {
        var small = SpriteModelRecipe.unet
        small.downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
        small.upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
        let before = try UNet2DConditionModel(config: small, weights: .initialized(seed: 4))
        var added: [String] = []
        let grown = try UNet2DConditionModel(config: SpriteModelRecipe.unet, weights: GrownWeights.store(
            .copying(ModelFolderWriter.tensors(before.parameters), source: "small UNet"), fresh: .initialized(seed: 5)) { added.append($0) })
        // Exactly the lowest level's three attention blocks are new.
        let blocks = Set(added.map { $0.split(separator: ".").prefix(4).joined(separator: ".") })
        XCTAssertEqual(blocks, ["down_blocks.2.attentions.0", "up_blocks.0.attentions.0", "up_blocks.0.attentions.1"])
        XCTAssertEqual(grown.parameters.tensors.count, before.parameters.tensors.count + added.count)

        var rng = StrataRandom(seed: 6)
        let x = Tensor.randn([2, 4, 16, 16], using: &rng), context = Tensor.randn([2, 77, 128], using: &rng)
        let t = Tensor([10, 700], shape: [2])
        let a = GradMode.disabled { before(x, timesteps: t, context: context) }
        let b = GradMode.disabled { grown(x, timesteps: t, context: context) }
        var worst: Float = 0
        for i in 0..<a.count { worst = max(worst, abs(a.data[i] - b.data[i])) }
        XCTAssertLessThan(worst, 1e-5)

        // A gradient reaches the zeroed output projection, so the added block can learn.
        let projOut = grown.parameters.tensors.first { $0.name == "down_blocks.2.attentions.0.proj_out.weight" }!.tensor
        XCTAssertEqual(projOut.scalars.map(abs).max(), 0)
        projOut.requiringGrad()
        grown(x, timesteps: t, context: context).maskedMSE(Tensor(zeros: x.shape), mask: nil).backward()
        XCTAssertGreaterThan(projOut.grad!.scalars.map(abs).max()!, 0)
    }
}
