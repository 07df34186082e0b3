import Foundation
import XCTest

/// The malformed corpus (Malformed/*.json): each case changes one file of a copy of the
/// built-in model folder (keys set in a JSON file, or the file's whole text replaced).
/// `strata generate` on the copy must refuse it: exit 2, one line naming the file and the
/// field, promptly, and no image written.
final class MalformedModelTests: XCTestCase {
    struct Case: Decodable {
        let file: String
        let set: [String: JSONAny]?
        let text: String?
        let expect: [String]
    }

    /// Any JSON value, kept as the bytes it decoded from.
    struct JSONAny: Decodable {
        let value: Any
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(Int.self) { value = v }
            else if let v = try? c.decode(Double.self) { value = v }
            else if let v = try? c.decode(String.self) { value = v }
            else if let v = try? c.decode([JSONAny].self) { value = v.map(\.value) }
            else { value = try c.decode([String: JSONAny].self).mapValues(\.value) }
        }
    }

    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Malformed")
    static let builtIn = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Assets/models/strata-sprites")

    /// A copy of the built-in folder: JSON and text files copied, weights linked.
    static func copyModel(to folder: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for path in try fm.subpathsOfDirectory(atPath: builtIn.path) {
            let from = builtIn.appendingPathComponent(path), to = folder.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            fm.fileExists(atPath: from.path, isDirectory: &isDirectory)
            if isDirectory.boolValue { try fm.createDirectory(at: to, withIntermediateDirectories: true); continue }
            if path.hasSuffix(".safetensors") { try fm.createSymbolicLink(at: to, withDestinationURL: from) } else { try fm.copyItem(at: from, to: to) }
        }
    }

    func testEveryMalformedModelFileIsRefusedWithItsField() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 60)
        let dir = try CommandRunner.temporaryFolder("malformed")
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in names {
            let c = try JSONDecoder().decode(Case.self, from: Data(contentsOf: Self.corpus.appendingPathComponent(name)))
            let model = dir.appendingPathComponent(name.replacingOccurrences(of: ".json", with: ""))
            try Self.copyModel(to: model)
            let target = model.appendingPathComponent(c.file)
            // The changed file is the copy's own: a linked weights file is unlinked first,
            // so writing it never reaches the built-in model.
            try? FileManager.default.removeItem(at: target)
            if let text = c.text {
                try Data(text.utf8).write(to: target)
            } else if let set = c.set {
                var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: Self.builtIn.appendingPathComponent(c.file))) as? [String: Any])
                for (k, v) in set { object[k] = v.value }
                try JSONSerialization.data(withJSONObject: object).write(to: target)
            }
            let out = dir.appendingPathComponent(name + ".png")
            let started = Date()
            let r = try CommandRunner.run(["generate", "--model", model.path, "--prompt", "a dog jumping in a forest",
                                           "--steps", "1", "--out", out.path])
            let seconds = Date().timeIntervalSince(started)
            XCTAssertEqual(r.status, 2, "\(name): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(name): \(r.stderr)")
            XCTAssert(r.stderr.hasPrefix("error: "), "\(name): \(r.stderr)")
            for word in c.expect { XCTAssert(r.stderr.contains(word), "\(name): the message does not name \(word): \(r.stderr)") }
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), name)
            // A second is the promise on an idle machine; the bound here allows a busy one.
            XCTAssertLessThan(seconds, 5, name)
            try? FileManager.default.removeItem(at: model)
        }
    }
}
