import Foundation
import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

final class EditJobTests: XCTestCase {
    func testJobRunsOffTheCallersThreadAndCancels() throws {
        let edit = LayerDiffusionEdit(model: try EditModel(try LayerDiffusionEditTests.tinyModel()), modelHash: "tiny")
        var s = LayerDiffusionEditTests.quickSettings()
        let job = EditJob(edit: edit, inputs: LayerDiffusionEditTests.inputs(), settings: s)
        XCTAssert(job.isRunning || job.progress != nil)  // start returned at once
        guard case .finished(let result) = job.wait() else { return XCTFail("\(job.state)") }
        XCTAssertEqual(result.images.count, 2)
        XCTAssertEqual(job.progress?.stage, .sample)

        s.embeddingSteps = 400  // long enough to be cancelled part way
        let long = EditJob(edit: edit, inputs: LayerDiffusionEditTests.inputs(), settings: s)
        let deadline = Date().addingTimeInterval(60)
        while long.progress?.stage != .optimise && Date() < deadline { usleep(1000) }
        long.cancel()
        guard case .failed(let error) = long.wait() else { return XCTFail("not cancelled") }
        XCTAssertEqual(error as? EditError, .cancelled(.optimise))
        XCTAssertLessThan(long.progress!.step, 400)
    }
}
