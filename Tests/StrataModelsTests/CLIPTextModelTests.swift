import Foundation
import XCTest
@testable import StrataModels
@testable import StrataTensor

final class CLIPTextModelTests: XCTestCase {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/models")

    /// Hidden states of transformers' CLIPTextModel (5 layers of width 32, random weights),
    /// with quick GELU and with GELU, and with clip skip 1.
    func testMatchesTransformers() throws {
        for name in ["clip_text_quick_gelu", "clip_text_gelu"] {
            let folder = Self.models.appendingPathComponent(name)
            let model = try CLIPTextModel(folder: folder)
            let io = try SafeTensorsFile(path: folder.appendingPathComponent("io.safetensors").path)
            let flat = try io.integers("ids")
            let ids = [Array(flat[0..<77]), Array(flat[77..<154])]
            let out = GradMode.disabled { model(ids) }
            XCTAssertLessThanOrEqual(relativeError(out, try io.tensor("last_hidden_state")), 1e-4, name)
            let skipped = GradMode.disabled { model(ids, clipSkip: 1) }
            XCTAssertLessThanOrEqual(relativeError(skipped, try io.tensor("clip_skip_1")), 1e-4, "\(name) clip skip 1")
        }
    }

    func testMissingOrMisshapenWeightsAreNamed() throws {
        let folder = Self.models.appendingPathComponent("clip_text_gelu")
        var config = try JSONDecoder().decode(CLIPTextConfig.self, from: Data(contentsOf: folder.appendingPathComponent("config.json")))
        config.hiddenSize = 48
        let weights = try WeightStore(path: folder.appendingPathComponent("model.safetensors").path)
        XCTAssertThrowsError(try CLIPTextModel(config: config, weights: weights)) { error in
            guard case .shape(let name, let expected, let found, _) = error as? WeightError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "embeddings.token_embedding.weight")
            XCTAssertEqual(expected, [1000, 48]); XCTAssertEqual(found, [1000, 32])
        }
    }
}
