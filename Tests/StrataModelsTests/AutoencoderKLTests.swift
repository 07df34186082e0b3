import Foundation
import XCTest
@testable import StrataModels
@testable import StrataTensor

final class AutoencoderKLTests: XCTestCase {
    /// diffusers' AutoencoderKL at test size (blocks of 32 and 64 channels, random weights):
    /// the latent distribution of an image, and the decoding of given latents.
    func testMatchesDiffusersEncodeAndDecode() throws {
        let folder = UNetTests.models.appendingPathComponent("vae_tiny")
        let vae = try AutoencoderKL(folder: folder)
        let io = try SafeTensorsFile(path: folder.appendingPathComponent("io.safetensors").path)
        let (mean, logVar) = GradMode.disabled { vae.encodeMoments(try! io.tensor("image")) }
        XCTAssertLessThanOrEqual(relativeError(mean, try io.tensor("mean")), 1e-4, "mean")
        XCTAssertLessThanOrEqual(relativeError(logVar, try io.tensor("logvar")), 1e-4, "log-variance")
        let scale = try io.tensor("scaling_factor").item
        XCTAssertEqual(Double(scale), vae.config.scalingFactor, accuracy: 1e-6)
        let decoded = GradMode.disabled { vae.decode(try! io.tensor("latents") * scale) }
        XCTAssertLessThanOrEqual(relativeError(decoded, try io.tensor("decoded")), 1e-4, "decoded")
        var none: StrataRandom? = nil
        let z = GradMode.disabled { vae.encode(try! io.tensor("image"), sample: &none) }
        XCTAssertLessThanOrEqual(relativeError(z, try io.tensor("mean") * scale), 1e-4, "scaled mode")
    }
}
