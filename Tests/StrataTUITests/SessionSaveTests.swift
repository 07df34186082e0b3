import Foundation
import XCTest
import StrataEdit
import StrataModels
@testable import StrataTUI

/// The editor's session saves: a later run with the same seeds is written over the
/// earlier pictures, each save swaps the folder in whole, and one editor holds a session.
final class SessionSaveTests: XCTestCase {
    func testALaterRunWithTheSameSeedsIsWrittenAndTheFolderIsSwappedWhole() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-session-save-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        defer { try? FileManager.default.removeItem(at: root) }
        setenv("XDG_CONFIG_HOME", root.appendingPathComponent("config").path, 1)
        let folder = root.appendingPathComponent("sessions/test.strata")
        let builtIn = TUIFixtures.root.appendingPathComponent("Assets/models/strata-sprites")
        let engine = EditorEngine(model: try EditModel(try StableDiffusionModel(folder: builtIn)), modelHash: "test", modelName: "built-in", cacheFolder: nil)
        let runtime = EditorRuntime(state: TUIFixtures.state(), engine: engine, view: EditorView(cache: CellCache(mode: .truecolour)),
                                    sessionFolder: folder, modelPath: nil, version: "test")
        let lock = try SessionLock(folder: folder)
        let first = TUIFixtures.scene(tint: (200, 40, 40)), second = TUIFixtures.scene(tint: (40, 200, 40))
        let result = folder.appendingPathComponent("results/result-1.png").path
        func rgb(_ path: String) throws -> [UInt8] {
            let png = try PNGImage.read(path)
            return (0..<(png.width * png.height * 3)).map { png.rgba[($0 / 3) * 4 + $0 % 3] }
        }

        runtime.state.results = [ResultSlot(seed: 1, picture: first)]
        runtime.saveSession()
        XCTAssertFalse(runtime.state.unsaved, runtime.state.message)
        XCTAssertEqual(try rgb(result), first.rgb)
        runtime.state.results = [ResultSlot(seed: 1, picture: second)]
        runtime.saveSession()
        XCTAssertEqual(try rgb(result), second.rgb)

        let reopened = try EditSession.open(folder, side: 64).session
        XCTAssertEqual(reopened.results, ["results/result-1.png"])
        // Only the session is left beside it, and the lock holds across the swaps.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path), ["test.strata"])
        XCTAssertThrowsError(try SessionLock(folder: folder)) { error in
            XCTAssert("\(error)".contains("open in another Strata editor (process \(getpid()))"), "\(error)")
        }
        withExtendedLifetime(lock) {}
    }
}
