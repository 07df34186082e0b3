import Foundation
import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

final class EditOutputsTests: XCTestCase {
    /// Entries of a zip of stored entries, in order, read by walking its local headers.
    func storedEntries(_ bytes: [UInt8]) -> [(name: String, method: Int, data: [UInt8])] {
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        var out: [(String, Int, [UInt8])] = [], i = 0
        while i + 30 <= bytes.count, u32(i) == 0x0403_4B50 {
            let method = u16(i + 8), size = u32(i + 18), nameLength = u16(i + 26), extra = u16(i + 28)
            let name = String(decoding: bytes[(i + 30)..<(i + 30 + nameLength)], as: UTF8.self)
            let start = i + 30 + nameLength + extra
            XCTAssertEqual(ZipWriter.crc32(Array(bytes[start..<(start + size)])), UInt32(u32(i + 14)), name)
            out.append((name, method, Array(bytes[start..<(start + size)])))
            i = start + size
        }
        return out
    }

    func testEditWritesResultsLayersAndSidecarThatReadBack() throws {
        let model = try EditModel(try LayerDiffusionEditTests.tinyModel())
        var s = LayerDiffusionEditTests.quickSettings()
        s.seeds = [7]
        let inputs = LayerDiffusionEditTests.inputs()
        let result = try LayerDiffusionEdit(model: model, modelHash: "tiny").run(inputs, settings: s)
        let record = EditRecord(version: "test", subjectText: inputs.subjectText, backgroundText: inputs.backgroundText,
                                sourceSHA256: "s", maskSHA256: "m", referenceSHA256: nil, modelName: "tiny", modelHash: "0123456789",
                                settings: s, placement: inputs.placement, stageSeconds: [:], finalLosses: [:], results: [])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-out-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try EditOutputs.write(result, record: record, to: folder) { images in images.map { _ in inputs.subjectMask } }
        XCTAssertEqual(Set(written), ["reference.png", "result-7.png", "result-7.mask.png", "result-7.subject.png", "result-7.ora", "edit.json"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }, [], "no staging left")

        // The PNG carries every setting: its JSON decodes back to the settings of this seed.
        let png = try PNGImage.read(folder.appendingPathComponent("result-7.png").path)
        let text = try XCTUnwrap(png.text["parameters"])
        XCTAssert(text.hasPrefix("a dog jumping in a forest\nSteps: 3, Sampler: DDIM, CFG scale: 7.5, Seed: 7, Size: 32x32, Model hash: 0123456789"))
        let json = try XCTUnwrap(text.components(separatedBy: "Strata edit: ").last)
        // λ1 left to the rule is written as the value the edit used.
        var expected = s
        expected.lambda1 = s.lambda1(subjectCoverage: MaskOps.coverage(inputs.subjectMask))
        XCTAssertEqual(result.lambda1, expected.lambda1)
        XCTAssertEqual(try JSONDecoder().decode(EditSettings.self, from: Data(json.utf8)), expected)
        XCTAssertEqual(png.rgba.count, 32 * 32 * 4)

        // The cut-out is transparent outside the mask.
        let cut = try PNGImage.read(folder.appendingPathComponent("result-7.subject.png").path)
        for i in 0..<(32 * 32) { XCTAssertEqual(cut.rgba[i * 4 + 3], inputs.subjectMask.data[i] > 0.5 ? 255 : 0) }

        // OpenRaster: mimetype first and stored, the stack, three layers, merged image, thumbnail.
        let ora = [UInt8](try Data(contentsOf: folder.appendingPathComponent("result-7.ora")))
        let entries = storedEntries(ora)
        XCTAssertEqual(entries.first?.name, "mimetype")
        XCTAssertEqual(entries.first.map { String(decoding: $0.data, as: UTF8.self) }, "image/openraster")
        XCTAssert(entries.allSatisfy { $0.method == 0 })
        XCTAssertEqual(Set(entries.map(\.name)), ["mimetype", "stack.xml", "data/layer0.png", "data/layer1.png", "data/layer2.png",
                                                   "mergedimage.png", "Thumbnails/thumbnail.png"])
        let stack = String(decoding: entries.first { $0.name == "stack.xml" }!.data, as: UTF8.self)
        XCTAssert(stack.contains("name=\"subject\" src=\"data/layer0.png\""))
        let merged = FileManager.default.temporaryDirectory.appendingPathComponent("merged-\(getpid()).png")
        defer { try? FileManager.default.removeItem(at: merged) }
        try Data(entries.first { $0.name == "mergedimage.png" }!.data).write(to: merged)
        XCTAssertEqual(try PNGImage.read(merged.path).rgba, png.rgba)

        let sidecar = try JSONDecoder().decode(EditRecord.self, from: Data(contentsOf: folder.appendingPathComponent("edit.json")))
        XCTAssertEqual(sidecar.results, ["result-7.png"])
        XCTAssertEqual(sidecar.settings, expected)
    }
}

final class OpenRasterThumbnailTests: XCTestCase {
    func testThumbnailFitsTheFormatsLimit() {
        var rgb = [UInt8](repeating: 0, count: 512 * 512 * 3)
        for i in stride(from: 0, to: rgb.count, by: 3) where (i / 3) % 2 == 0 { rgb[i] = 200 }
        let (w, h, thumb) = OpenRaster.thumbnail(rgb, width: 512, height: 512)
        XCTAssertEqual([w, h], [256, 256])
        XCTAssertEqual(thumb[0], 100, "box average of a 2×2 cell")
        let (w2, h2, same) = OpenRaster.thumbnail(Array(rgb.prefix(64 * 64 * 3)), width: 64, height: 64)
        XCTAssertEqual([w2, h2], [64, 64]); XCTAssertEqual(same.count, 64 * 64 * 3)
    }
}
