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

    /// tokenizer_config.json's pad token, written as a string (SD 1.5's "<|endoftext|>",
    /// SD 2's "!") or as an AddedToken object; without the file, the end token pads.
    func testPadTokenComesFromTheTokenizerConfig() throws {
        let source = Self.root.appendingPathComponent("Assets/clip-tokenizer")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-tokenizer-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in ["vocab.json", "merges.txt"] {
            try Data(contentsOf: source.appendingPathComponent(name)).write(to: folder.appendingPathComponent(name))
        }
        let plain = try CLIPTokenizer(folder: folder)
        XCTAssertEqual(plain.padID, plain.endID)
        let bang = try XCTUnwrap(plain.vocabulary["!"])
        for config in [#"{"pad_token": "!"}"#, #"{"pad_token": {"content": "!", "lstrip": false}}"#] {
            try Data(config.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
            XCTAssertEqual(try CLIPTokenizer(folder: folder).padID, bang, config)
        }
        try Data(#"{"pad_token": null}"#.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
        XCTAssertEqual(try CLIPTokenizer(folder: folder).padID, plain.endID)
    }

    func testKnownSentence() throws {
        let tok = try CLIPTokenizer(folder: Self.root.appendingPathComponent("Assets/clip-tokenizer"))
        // "a photo of a cat" in CLIP's vocabulary
        XCTAssertEqual(tok.encode("a photo of a cat"), [49406, 320, 1125, 539, 320, 2368, 49407])
    }

    /// A megabyte of prompt (one pasted word of 120 KB, then ordinary text and runs of
    /// spaces) is tokenized from its beginning only: the padded ids are those of its first
    /// words, and it returns at once instead of merging the whole word.
    func testAHugePromptIsCutBeforeMerging() throws {
        let tok = try CLIPTokenizer(folder: Self.root.appendingPathComponent("Assets/clip-tokenizer"))
        let word = String(repeating: "ab", count: 60_000)
        let tail = String(repeating: "a dog jumping in a forest    ", count: 30_000)
        let started = Date()
        let ids = tok.encodePadded("a cat " + word + " " + tail)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)  // a guard against a hang; the benchmark figure is in docs
        XCTAssertEqual(ids.count, 77)
        XCTAssertEqual(Array(ids.prefix(3)), [49406, 320, 2368])
        // The first tokens of the long word are those of its first kilobyte.
        let cut = tok.encode(String(word.prefix(CLIPTokenizer.longestPiece)))
        XCTAssertEqual(Array(ids[3..<76]), Array(cut[1..<74]))
        XCTAssertEqual(tok.encodePadded("a dog jumping in a forest"), tok.encodePadded("a dog jumping in a forest" + String(repeating: " ", count: 100_000)))
    }
}
