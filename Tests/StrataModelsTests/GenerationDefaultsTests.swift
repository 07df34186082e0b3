import Foundation
import XCTest
@testable import StrataModels

/// A model folder's `strata_generate.json`: read when present, refused when malformed.
final class GenerationDefaultsTests: XCTestCase {
    func folder(_ json: String?) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-generate-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if let json { try Data(json.utf8).write(to: url.appendingPathComponent(GenerationDefaults.fileName)) }
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testNoFileGuidesEveryStep() throws {
        XCTAssertEqual(try GenerationDefaults.forModel(folder: folder(nil)).guidanceStart, 0)
    }

    func testFileSetsTheGuidanceStart() throws {
        XCTAssertEqual(try GenerationDefaults.forModel(folder: folder(#"{"guidance_start": 0.2}"#)).guidanceStart, 0.2)
        XCTAssertEqual(try GenerationDefaults.forModel(folder: folder(#"{"guidance_start": 1}"#)).guidanceStart, 1)
    }

    func testBadFilesAreRefusedNamingTheFileAndTheSetting() throws {
        for (json, words) in [(#"{"guidance_strat": 0.2}"#, "guidance_strat"), (#"{"guidance_start": 1.5}"#, "0 to 1"),
                              (#"{"guidance_start": "late"}"#, "0 to 1"), ("[0.2]", "JSON object")] {
            XCTAssertThrowsError(try GenerationDefaults.forModel(folder: folder(json))) { error in
                XCTAssert("\(error)".contains(GenerationDefaults.fileName) && "\(error)".contains(words), "\(error)")
            }
        }
    }

    /// The built-in model's file is valid (the eval and generate commands read it).
    func testBuiltInModelsFileLoads() throws {
        let builtIn = CLIPTokenizerTests.root.appendingPathComponent("Assets/models/strata-sprites")
        XCTAssertGreaterThan(try GenerationDefaults.forModel(folder: builtIn).guidanceStart, 0)
    }
}
