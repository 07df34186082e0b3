import Foundation
import XCTest
import StrataModels
import StrataTensor
@testable import StrataTraining

/// A training run's save is one `checkpoint/` folder swapped in whole: what a killed save
/// leaves is cleaned at the next start, and runs saved before (files in the run folder)
/// still resume.
final class CheckpointFolderTests: XCTestCase {
    func progress(_ step: Int) -> TrainingProgress {
        TrainingProgress(step: step, samplesSeen: step * 2, secondsTrained: 1, lossEMA: 0.5, settings: [:])
    }

    func testSavesReplaceTheCheckpointWholeAndLeftoversAreCleaned() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-checkpoint-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = TrainingState(folder: folder)
        let w = Tensor([1, 2, 3], shape: [3])
        let adam = Adam([w.requiringGrad()])
        try state.save(parameters: ["m": [("w", w)]], optimiser: adam, progress: progress(3)) { dir in
            try Data("first".utf8).writeDurably(to: dir.appendingPathComponent("extra.txt"))
        }
        try state.save(parameters: ["m": [("w", Tensor([4, 5, 6], shape: [3]))]], optimiser: adam, progress: progress(6))
        XCTAssertEqual(try state.readProgress().step, 6)
        XCTAssertEqual(try state.parameterStore("m").tensor("w", [3]).scalars, [4, 5, 6])
        // The second save replaced the first whole: nothing of the first is left.
        let checkpoint = folder.appendingPathComponent("checkpoint")
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint.appendingPathComponent("extra.txt").path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["checkpoint"])

        // A save killed midway (its process gone): a half-written staging folder and a
        // temporary file. The next start removes both and reads the last whole save.
        let dead: Int32 = 999_999
        let partial = folder.appendingPathComponent(".checkpoint.partial-\(dead)")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        try Data("{\"step\": 9".utf8).write(to: partial.appendingPathComponent("progress.json"))
        try Data().write(to: folder.appendingPathComponent(".log.txt.\(dead).tmp"))
        XCTAssertEqual(try state.readProgress().step, 6)
        let log = TrainingLog(folder: folder)
        let resumed = try state.begin("test", optimiser: Adam([w.requiringGrad()]), settings: [:], parameters: 3, log: log)
        XCTAssertEqual(resumed.step, 6)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".log.txt.\(dead).tmp").path))

        // Killed between the two renames of a file system without exchange: the old
        // checkpoint is moved aside and the target is missing; it is put back.
        let aside = folder.appendingPathComponent(".checkpoint.old-\(dead)")
        try FileManager.default.moveItem(at: checkpoint, to: aside)
        _ = try state.begin("test", optimiser: Adam([w.requiringGrad()]), settings: [:], parameters: 3, log: log)
        XCTAssertEqual(try state.readProgress().step, 6)
        XCTAssertFalse(FileManager.default.fileExists(atPath: aside.path))
    }

    func testARunSavedInItsFolderResumesAndItsFilesGiveWayToTheCheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-legacy-run-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The layout of earlier saves: every file in the run folder.
        let w = Tensor([7, 8], shape: [2])
        try SafeTensorsFile.write(["w": w], to: folder.appendingPathComponent("parameters-m.safetensors").path)
        try SafeTensorsFile.write(Adam([w.requiringGrad()]).state, to: folder.appendingPathComponent("optimiser.safetensors").path)
        try JSONEncoder().encode(progress(250)).write(to: folder.appendingPathComponent("progress.json"))
        try Data("keep".utf8).write(to: folder.appendingPathComponent("latents.safetensors"))
        let state = TrainingState(folder: folder)
        XCTAssertEqual(try state.readProgress().step, 250)
        XCTAssertEqual(try state.parameterStore("m").tensor("w", [2]).scalars, [7, 8])
        try state.save(parameters: ["m": [("w", w)]], optimiser: Adam([w.requiringGrad()]), progress: progress(500))
        XCTAssertEqual(try state.readProgress().step, 500)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["checkpoint", "latents.safetensors"])
    }
}
