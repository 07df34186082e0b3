import Foundation
import XCTest
import StrataModels
@testable import StrataLayers
@testable import StrataTensor

final class LayeredAutoencoderTests: XCTestCase {
    static func randomLayers(_ n: Int, side: Int, seed: UInt64) -> TwoLayerImages {
        var rng = StrataRandom(seed: seed)
        let f = (Tensor.randn([n, 3, side, side], using: &rng) * 0.5).clamped(-1, 1)
        let b = (Tensor.randn([n, 3, side, side], using: &rng) * 0.5).clamped(-1, 1)
        let m = Tensor(zeros: [n, 1, side, side])
        for i in 0..<m.count { m.data[i] = rng.nextUniform() }
        return TwoLayerImages(foreground: f, background: b, mask: m)
    }

    /// Seven channels in the documented order, back to the same layers, and the
    /// composite computed pixel by pixel.
    func testPackedChannelsRoundTripAndCompose() {
        let layers = Self.randomLayers(2, side: 4, seed: 3)
        let packed = layers.packed
        XCTAssertEqual(packed.shape, [2, 7, 4, 4])
        let back = TwoLayerImages(packed: packed)
        XCTAssertEqual(back.foreground.scalars, layers.foreground.scalars)
        XCTAssertEqual(back.background.scalars, layers.background.scalars)
        for i in 0..<layers.mask.count { XCTAssertEqual(back.mask.data[i], layers.mask.data[i], accuracy: 1e-6) }
        let c = layers.composite
        for n in 0..<2 { for ch in 0..<3 { for p in 0..<16 {
            let m = layers.mask.data[n * 16 + p], i = (n * 3 + ch) * 16 + p
            XCTAssertEqual(c.data[i], m * layers.foreground.data[i] + (1 - m) * layers.background.data[i], accuracy: 1e-6)
            XCTAssertEqual(packed.data[(n * 7 + 6) * 16 + p], 2 * m - 1, accuracy: 1e-6)
            XCTAssertEqual(packed.data[(n * 7 + 3 + ch) * 16 + p], layers.background.data[i])
        } } }
    }

    static var tinyConfig: VAEConfig {
        var c = VAEConfig()
        c.inChannels = 7; c.outChannels = 7; c.latentChannels = 8
        c.blockOutChannels = [32, 32]; c.layersPerBlock = 1; c.normNumGroups = 8; c.scalingFactor = 0.5; c.sampleSize = 16
        return c
    }

    /// The heads read the same decoder features as the image head would: the seven
    /// channels equal AutoencoderKL's own decode, and the composite head is separate.
    func testHeadsAreTheAutoencodersOutputAndTheCompositeHeadIsExtra() throws {
        let model = try LayeredAutoencoder(config: Self.tinyConfig, weights: .initialized(seed: 4), compositeHead: true)
        let tensors = Dictionary(model.parameters.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let plain = try AutoencoderKL(config: Self.tinyConfig, weights: .copying(tensors, source: "the layered model's"))
        let layers = Self.randomLayers(2, side: 16, seed: 5)
        let z = model.encode(layers)
        XCTAssertEqual(z.shape, [2, 8, 8, 8])
        let (packed, composite) = model.decodePacked(z, withComposite: true)
        XCTAssertEqual(packed.scalars, plain.decode(z).scalars)
        XCTAssertEqual(composite?.shape, [2, 3, 16, 16])
        XCTAssertNil(model.decodePacked(z, withComposite: false).composite)
        XCTAssert(model.parameters.tensors.contains { $0.name == "composite_head.conv.weight" })
        XCTAssertFalse(try LayeredAutoencoder(config: Self.tinyConfig, weights: .initialized(seed: 4), compositeHead: false)
            .parameters.tensors.contains { $0.name.hasPrefix("composite_head.") })
    }

    func testAThreeChannelConfigIsRefusedWithAReason() {
        var c = Self.tinyConfig
        c.inChannels = 3
        XCTAssertThrowsError(try LayeredAutoencoder(config: c, weights: .initialized(seed: 1), compositeHead: false)) {
            XCTAssert("\($0)".contains("7 channels"), "\($0)")
        }
    }
}
