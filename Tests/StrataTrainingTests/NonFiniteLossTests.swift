import Foundation
import XCTest
@testable import StrataTraining

/// A NaN loss stops a training run before anything is saved over its last checkpoint.
final class NonFiniteLossTests: XCTestCase {
    func testANaNLossStopsWithoutSaving() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-nan-loss-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let loop = TrainingLoop(name: "test", batch: 2, logEvery: 100, saveEvery: 3, log: TrainingLog(folder: folder))
        var saved: [Int] = []
        let start = TrainingProgress(step: 0, samplesSeen: 0, secondsTrained: 0, lossEMA: nil, settings: [:])
        XCTAssertThrowsError(try loop.run(until: 10, from: start, shouldStop: { false },
                                          step: { i in (i == 4 ? .nan : 0.5, "") }, save: { saved.append($0.step) })) { error in
            let e = error as? NonFiniteLossError
            XCTAssertEqual(e?.step, 5)
            XCTAssertEqual(e?.lastSaved, 3)
            XCTAssert("\(error)".contains("checkpoint at step 3"), "\(error)")
        }
        // Saved at step 3 only: not at the NaN step, not at the end.
        XCTAssertEqual(saved, [3])
        for bad in [Float.infinity, -.infinity] {
            saved = []
            XCTAssertThrowsError(try loop.run(until: 10, from: start, shouldStop: { false }, step: { _ in (bad, "") }, save: { saved.append($0.step) }))
            XCTAssertEqual(saved, [])
        }
    }
}
