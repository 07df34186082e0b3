import XCTest
@testable import StrataTensor

/// The pool under back-to-back jobs of changing sizes (the pattern of a UNet forward):
/// every chunk of every job runs exactly once, and `run` returns only when all have.
final class WorkerPoolTests: XCTestCase {
    func testEveryChunkRunsOnceAcrossManyShortJobs() {
        let pool = WorkerPool.shared
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        defer { slots.deallocate() }
        var wrong = 0
        for job in 0..<100_000 {
            let n = [2, 64, 3, 17][job % 4]
            slots.initialize(repeating: 0, count: 64)
            pool.run(chunks: n, threads: 2) { i in slots[i] += 1 }
            for i in 0..<64 where slots[i] != (i < n ? 1 : 0) { wrong += 1 }
        }
        XCTAssertEqual(wrong, 0, "chunks run other than once")
    }
}
