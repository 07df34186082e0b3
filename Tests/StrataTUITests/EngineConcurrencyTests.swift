import Foundation
import XCTest
import StrataEdit
import StrataModels
import StrataTensor
import Synchronization
@testable import StrataTUI

/// The editor's engine under the interface's worst habits: a thousand runs started and
/// cancelled back to back, mask suggestions and cache lookups in between. Every job is
/// waited for by the next, one user holds the model at a time, the last run finishes
/// with its results and the model's weights are as they were. (Run it under Thread
/// Sanitizer too: docs/reliability.md.)
final class EngineConcurrencyTests: XCTestCase {
    func testAThousandStartCancelSuggestCycles() throws {
        let builtIn = TUIFixtures.root.appendingPathComponent("Assets/models/strata-sprites")
        let engine = EditorEngine(model: try EditModel(try StableDiffusionModel(folder: builtIn)), modelHash: "test", modelName: "built-in", cacheFolder: nil)
        let weights = engine.model.model.unet.parameters.tensors.map { $0.tensor.scalars }
        var state = TUIFixtures.state()
        state.settings.edit.embeddingSteps = 2; state.settings.edit.finetuneSteps = 2; state.settings.edit.samplingSteps = 2
        state.settings.edit.seeds = [1]
        state.settings.preset = .full
        let source = state.source
        let suggestions = DispatchGroup()
        let suggested = Mutex<[[UInt8]]>([])
        for i in 0..<1000 {
            state.settings.edit.seeds = [UInt64(1 + i % 3)]
            let request = state.request(preset: .full)
            engine.start(request, source: source)
            if i % 2 == 0 { engine.cancel() }
            if i % 7 == 0 { engine.discard() }
            if i % 100 == 0 {
                suggestions.enter()
                Thread.detachNewThread {
                    let m = engine.suggestMask(source: source, subject: "a dog", background: "in a forest")
                    suggested.withLock { $0.append(m) }
                    suggestions.leave()
                }
            }
            _ = engine.cachedOutcome(request, source: source)
            _ = engine.poll(now: Double(i))
        }
        // The last run goes on to its end with its one result.
        state.settings.edit.seeds = [7]
        engine.start(state.request(preset: .full), source: source)
        var outcome: RunOutcome?
        let deadline = Date().addingTimeInterval(3600)  // generous: sanitizer builds are slow
        while outcome == nil, Date() < deadline {
            for m in engine.poll(now: 0) {
                switch m {
                case .finished(let o): outcome = o
                case .failed(let text): XCTFail("the last run failed: \(text)"); return
                default: break
                }
            }
            usleep(20_000)
        }
        XCTAssertEqual(try XCTUnwrap(outcome).results.map(\.seed), [7])
        XCTAssertEqual(suggestions.wait(timeout: .now() + 3600), .success)
        let masks = suggested.withLock { $0 }
        XCTAssertEqual(masks.count, 10)
        // Every suggestion of the same picture and texts is the same mask.
        XCTAssertEqual(Set(masks).count, 1)
        XCTAssertEqual(engine.model.model.unet.parameters.tensors.map { $0.tensor.scalars }, weights)
    }
}
