import Foundation
import XCTest
@testable import StrataModels

final class CLIPTokenizerTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// 1000 strings (Unicode, emoji, punctuation, whitespace runs, over-long text) against
    /// transformers' CLIPTokenizer on the same vocabulary, padded and truncated to 77.
    func testMatchesTransformersOnAThousandStrings() throws {
        let tok = try CLIPTokenizer(folder: Self.root.appendingPathComponent("Assets/clip-tokenizer"))
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tokenizer/clip_tokenizer_cases.json")
        let cases = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [[String: Any]]
        XCTAssertGreaterThanOrEqual(cases.count, 1000)
        var failures = 0
        for c in cases {
            let text = c["text"] as! String, want = c["ids"] as! [Int]
            let got = tok.encodePadded(text)
            if got != want {
                failures += 1
                if failures <= 5 { XCTFail("\(text.debugDescription): \(got.prefix(20)) ≠ \(want.prefix(20))") }
            }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(cases.count) strings differ")
    }

    func testKnownSentence() throws {
        let tok = try CLIPTokenizer(folder: Self.root.appendingPathComponent("Assets/clip-tokenizer"))
        // "a photo of a cat" in CLIP's vocabulary
        XCTAssertEqual(tok.encode("a photo of a cat"), [49406, 320, 1125, 539, 320, 2368, 49407])
    }
}
