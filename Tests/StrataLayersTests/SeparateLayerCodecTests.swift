import Foundation
import XCTest
import StrataModels
@testable import StrataLayers
@testable import StrataTensor

/// The baseline's codec: the mask shrunk and grown as PyTorch does, and scenes' layers
/// given back through the built-in model's image autoencoder.
final class SeparateLayerCodecTests: XCTestCase {
    /// torch.nn.functional.interpolate([[0, 1], [2, 3]], scale_factor=4, mode="bilinear",
    /// align_corners=False), printed by PyTorch 2.15.
    func testGrowIsPyTorchsBilinearUpsampling() {
        let torch: [[Float]] = [[0.0, 0.0, 0.125, 0.375, 0.625, 0.875, 1.0, 1.0], [0.0, 0.0, 0.125, 0.375, 0.625, 0.875, 1.0, 1.0],
                                [0.25, 0.25, 0.375, 0.625, 0.875, 1.125, 1.25, 1.25], [0.75, 0.75, 0.875, 1.125, 1.375, 1.625, 1.75, 1.75],
                                [1.25, 1.25, 1.375, 1.625, 1.875, 2.125, 2.25, 2.25], [1.75, 1.75, 1.875, 2.125, 2.375, 2.625, 2.75, 2.75],
                                [2.0, 2.0, 2.125, 2.375, 2.625, 2.875, 3.0, 3.0], [2.0, 2.0, 2.125, 2.375, 2.625, 2.875, 3.0, 3.0]]
        let grown = SeparateLayerCodec.grow(Tensor([0, 1, 2, 3], shape: [1, 1, 2, 2]), factor: 4)
        XCTAssertEqual(grown.shape, [1, 1, 8, 8])
        XCTAssertEqual(grown.scalars, torch.flatMap { $0 })
        let shrunk = SeparateLayerCodec.shrink(grown, factor: 4)
        // Each 4×4 cell's mean, from the same table.
        var means: [Float] = []
        for cell in 0..<4 {
            var sum: Float = 0
            for y in 0..<4 { for x in 0..<4 { sum += torch[(cell / 2) * 4 + y][(cell % 2) * 4 + x] } }
            means.append(sum / 16)
        }
        XCTAssertEqual(shrunk.scalars, means)
    }

    /// Nine latent channels (4 for F, 4 for B, 1 for m) at 16×16, decoded back as the
    /// image autoencoder gives F and B back on their own, and the mask nearly as it was.
    func testLayersComeBackThroughTheImageAutoencoder() throws {
        let vae = try AutoencoderKL(folder: LayeredModelTests.root.appendingPathComponent("Assets/models/strata-sprites/vae"))
        let codec = try SeparateLayerCodec(vae: vae)
        XCTAssertEqual(codec.latentChannels, 9)
        let side = 64
        let f = Tensor(zeros: [1, 3, side, side]), b = Tensor(zeros: [1, 3, side, side]), m = Tensor(zeros: [1, 1, side, side])
        for y in 0..<side { for x in 0..<side {
            let inside = (x - 30) * (x - 30) + (y - 40) * (y - 40) < 120
            m.data[y * side + x] = inside ? 1 : 0
            for c in 0..<3 {
                b.data[c * side * side + y * side + x] = y < 44 ? [-0.2, 0.4, 0.9][c] : [-0.4, 0.5, -0.5][c]
                f.data[c * side * side + y * side + x] = inside ? [0.9, 0.3, -0.6][c] : 0
            }
        } }
        let z = GradMode.disabled { codec.encodeLayers(TwoLayerImages(foreground: f, background: b, mask: m)) }
        XCTAssertEqual(z.shape, [1, 9, 16, 16])
        let back = GradMode.disabled { codec.decodeLayers(z) }
        // Exactly the image autoencoder applied to F and to B apart, and the mask shrunk and grown.
        let scale = Float(vae.config.scalingFactor)
        let alone = { (x: Tensor) in GradMode.disabled { vae.decode(vae.encodeMoments(x).mean * scale).clamped(-1, 1) } }
        XCTAssertEqual(back.foreground.scalars, alone(f).scalars)
        XCTAssertEqual(back.background.scalars, alone(b).scalars)
        XCTAssertEqual(back.mask.scalars, SeparateLayerCodec.grow(SeparateLayerCodec.shrink(m, factor: 4), factor: 4).clamped(0, 1).scalars)
        var agree = 0
        for i in 0..<(side * side) where (back.mask.data[i] > 0.5) == (m.data[i] > 0.5) { agree += 1 }
        XCTAssertGreaterThan(Double(agree) / Double(side * side), 0.98)
    }
}
