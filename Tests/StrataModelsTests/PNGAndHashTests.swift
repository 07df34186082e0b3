import Foundation
import XCTest
@testable import StrataModels

final class PNGAndHashTests: XCTestCase {
    func testSHA256KnownVectors() {
        func hex(_ s: String) -> String {
            var h = SHA256(); h.update(Data(s.utf8)); return h.finalize().map { String(format: "%02x", $0) }.joined()
        }
        XCTAssertEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var h = SHA256()
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        XCTAssertEqual(h.finalize().map { String(format: "%02x", $0) }.joined(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testPNGRoundTripWithLatin1AndUnicodeText() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-png-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = 5, h = 3
        let pixels = (0..<(w * h * 3)).map { UInt8(($0 * 37) % 256) }
        for text in ["a blue dog jumping\nSteps: 50, Sampler: DDIM, CFG scale: 7.5, Seed: 7, Size: 5x3", "un chien bleu café", "青い犬 🐕"] {
            let path = dir.appendingPathComponent("out.png").path
            try PNGImage.write(path, width: w, height: h, channels: 3, pixels: pixels, text: [("parameters", text)])
            let back = try PNGImage.read(path)
            XCTAssertEqual(back.width, w); XCTAssertEqual(back.height, h)
            XCTAssertEqual(back.text["parameters"], text)
            for i in 0..<(w * h) { XCTAssertEqual(Array(back.rgba[(i * 4)..<(i * 4 + 3)]), Array(pixels[(i * 3)..<(i * 3 + 3)])) }
            let raw = try Data(contentsOf: URL(fileURLWithPath: path))
            let chunk = text.unicodeScalars.allSatisfy { $0.value <= 0xFF } ? "tEXt" : "iTXt"
            XCTAssertNotNil(raw.range(of: Data(chunk.utf8)), "\(text) should be in a \(chunk) chunk")
        }
        XCTAssertThrowsError(try PNGImage.read(dir.appendingPathComponent("missing.png").path)) { XCTAssertEqual($0 as? PNGError, .unreadable(dir.appendingPathComponent("missing.png").path)) }
        let notPNG = dir.appendingPathComponent("x.png").path
        try Data("hello world".utf8).write(to: URL(fileURLWithPath: notPNG))
        XCTAssertThrowsError(try PNGImage.read(notPNG)) { XCTAssertEqual($0 as? PNGError, .notPNG(notPNG)) }
    }

    func testInfotextFollowsA1111() {
        var s = TextToImageSettings(prompt: "a dog", width: 512, height: 512)
        s.negativePrompt = "blurry"; s.steps = 20; s.guidanceScale = 7; s.seed = 42; s.scheduler = .eulerAncestral
        XCTAssertEqual(Infotext.parameters(s, modelHash: "6ce0161689", modelName: "sd15", rng: "torch"),
                       "a dog\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: 6ce0161689, Model: sd15, RNG: torch")
    }
}
