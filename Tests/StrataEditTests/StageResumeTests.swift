import Foundation
import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

/// Stages 1 and 2 checkpoint themselves; a job stopped part of the way through and run
/// again goes on from its checkpoint and ends with what an uninterrupted job gives.
final class StageResumeTests: XCTestCase {
    func testTheNoiseGeneratorsStateRoundTrips() {
        var a = StrataRandom(seed: 42)
        _ = (0..<7).map { _ in a.nextNormal() }  // an odd count leaves a spare normal value
        var b = StageResume.random(StageResume.tensor(a))!
        for _ in 0..<9 { XCTAssertEqual(a.nextNormal(), b.nextNormal()) }
        XCTAssertEqual(a.nextUInt64(), b.nextUInt64())
        XCTAssertNil(StrataRandom(state: [1, 2, 3]))
    }

    /// A saved state that does not fit what the stage trains is ignored whole: nothing
    /// of it is loaded.
    func testAStateThatDoesNotFitChangesNothing() {
        let w = Tensor([1, 2, 3], shape: [3]), adam = Adam([w])
        w.grad = Tensor([0.5, 0.5, 0.5], shape: [3]); adam.step()
        let saved = StageResume.state(step: 7, rng: StrataRandom(seed: 1), adam: adam, last: (0.25, 0.5), trained: [("w", w)])
        let v = Tensor([9, 9, 9, 9], shape: [4]), other = Adam([v])
        XCTAssertNil(StageResume.restore(saved, adam: other, trained: [("w", v)], steps: 10))
        XCTAssertEqual(v.scalars, [9, 9, 9, 9]); XCTAssertEqual(other.step, 0)
        let u = Tensor([0, 0, 0], shape: [3]), fresh = Adam([u])
        XCTAssertNil(StageResume.restore(saved, adam: fresh, trained: [("w", u)], steps: 5), "more steps saved than the stage has")
        XCTAssertEqual(u.scalars, [0, 0, 0]); XCTAssertEqual(fresh.step, 0)
        let back = StageResume.restore(saved, adam: fresh, trained: [("w", u)], steps: 10)
        XCTAssertEqual(back?.step, 7); XCTAssertEqual(back?.last?.1, 0.5)
        XCTAssertEqual(u.scalars, w.scalars); XCTAssertEqual(fresh.step, 1)
    }

    func testStoppedStagesResumeToTheUninterruptedResult() throws {
        try checkResume(mode: .full)
    }

    func testStoppedLoRAFineTuningResumesToTheUninterruptedResult() throws {
        try checkResume(mode: .lora)
    }

    /// The editor cancels stages within seconds as settings change: those cancels leave
    /// no checkpoint behind at the default settings.
    func testQuickCancelsLeaveNoCheckpoint() throws {
        let folder = Self.folder("quick")
        defer { try? FileManager.default.removeItem(at: folder) }
        let edit = LayerDiffusionEdit(model: try EditModel(try LayerDiffusionEditTests.tinyModel()), modelHash: "tiny",
                                      cache: StageCache(folder: folder))
        XCTAssertThrowsError(try edit.run(LayerDiffusionEditTests.inputs(), settings: Self.settings(.full)) {
            $0.stage != .finetune || $0.step < 2
        })
        XCTAssertEqual(Self.partials(folder), [])
    }

    func checkResume(mode: FineTuneMode) throws {
        let model = try EditModel(try LayerDiffusionEditTests.tinyModel())
        let inputs = LayerDiffusionEditTests.inputs(), s = Self.settings(mode)
        let whole = try LayerDiffusionEdit(model: model, modelHash: "tiny").run(inputs, settings: s)

        let folder = Self.folder(mode.rawValue)
        defer { try? FileManager.default.removeItem(at: folder) }
        var resumedAt: [(EditStage, Int)] = []
        // Each run is a new process's: a new cache over the same folder.
        func run(stopAt stop: (EditStage, Int)?, seen: inout [(EditStage, Int)]) throws -> EditResult {
            let edit = LayerDiffusionEdit(model: model, modelHash: "tiny", cache: StageCache(folder: folder))
            edit.checkpointInterval = 0
            var log: [(EditStage, Int)] = []
            defer { seen = log }
            return try edit.run(inputs, settings: s) { p in
                log.append((p.stage, p.step))
                if p.resumed { resumedAt.append((p.stage, p.step)) }
                return stop.map { p.stage != $0.0 || p.step < $0.1 } ?? true
            }
        }
        var seen: [(EditStage, Int)] = []
        XCTAssertThrowsError(try run(stopAt: (.optimise, 2), seen: &seen)) { XCTAssertEqual($0 as? EditError, .cancelled(.optimise)) }
        XCTAssertEqual(Self.partials(folder).count, 1)

        XCTAssertThrowsError(try run(stopAt: (.finetune, 3), seen: &seen)) { XCTAssertEqual($0 as? EditError, .cancelled(.finetune)) }
        XCTAssertEqual(seen.filter { $0.0 == .optimise }.map(\.1), [2, 3, 4], "stage 1 goes on from its checkpoint")
        XCTAssertEqual(resumedAt.map(\.0), [.optimise]); XCTAssertEqual(resumedAt.map(\.1), [2])
        XCTAssertEqual(Self.partials(folder).count, 1, "stage 1's checkpoint is gone once it finished")

        let resumed = try run(stopAt: nil, seen: &seen)
        XCTAssertEqual(seen.filter { $0.0 == .finetune }.map(\.1), [3, 4], "stage 2 goes on from its checkpoint")
        XCTAssertEqual(resumedAt.map(\.0), [.optimise, .finetune]); XCTAssertEqual(resumedAt.map(\.1), [2, 3])
        XCTAssertEqual(seen.filter { $0.0 == .optimise }.map(\.1), [4], "stage 1 comes from the cache")
        XCTAssertEqual(Self.partials(folder), [])
        XCTAssertEqual(resumed.finalLosses[.finetune]?.0, whole.finalLosses[.finetune]?.0)
        XCTAssertEqual(resumed.images.count, whole.images.count)
        for (a, b) in zip(resumed.images, whole.images) {
            let difference = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 1
            XCTAssertEqual(difference, 0, "the resumed job ends with the uninterrupted job's pictures")
        }
    }

    static func settings(_ mode: FineTuneMode) -> EditSettings {
        var s = LayerDiffusionEditTests.quickSettings()
        s.embeddingSteps = 4; s.finetuneSteps = 4; s.finetuneMode = mode
        if mode == .lora { s.finetuneLR = 1e-2 }
        return s
    }

    static func folder(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("strata-resume-\(name)-\(getpid())")
    }

    static func partials(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".partial.safetensors") }
    }
}
