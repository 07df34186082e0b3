import Foundation
import XCTest
import StrataTensor
@testable import StrataTraining

/// The latent cache saves what it has encoded as it goes: a run stopped midway encodes
/// only the rest, and ends with the latents an unstopped run has.
final class LatentCacheResumeTests: XCTestCase {
    struct Stopped: Error {}

    func testAStoppedCacheGoesOnFromItsLastSave() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("strata-latent-cache-\(getpid())")
        try? FileManager.default.removeItem(at: root)
        defer { try? FileManager.default.removeItem(at: root) }
        let whole = root.appendingPathComponent("whole"), stopped = root.appendingPathComponent("stopped")
        for f in [whole, stopped] { try FileManager.default.createDirectory(at: f, withIntermediateDirectories: true) }
        let side = 16, channels = 2, count = 64 * 5
        // Scene `i`'s latents: values that fp16 holds exactly, different for every scene.
        func encode(_ first: Int, _ n: Int) -> (latents: Tensor, captions: [String]) {
            let values = (0..<(n * channels * side * side)).map { Float((first * 7 + $0) % 1024) / 8 }
            return (Tensor(values, shape: [n, channels, side, side]), (first..<(first + n)).map { "scene \($0)" })
        }
        let reference = try LatentCache(folder: whole, channels: channels, fingerprint: "1", count: count,
                                        log: TrainingLog(folder: whole), saveEvery: 2, encode: encode)

        // Stopped while encoding the fourth chunk: the first two were saved.
        XCTAssertThrowsError(try LatentCache(folder: stopped, channels: channels, fingerprint: "1", count: count,
                                             log: TrainingLog(folder: stopped), saveEvery: 2) { first, n in
            if first >= 3 * 64 { throw Stopped() }
            return encode(first, n)
        })
        var asked: [Int] = []
        let resumed = try LatentCache(folder: stopped, channels: channels, fingerprint: "1", count: count,
                                      log: TrainingLog(folder: stopped), saveEvery: 2) { first, n in
            asked.append(first)
            return encode(first, n)
        }
        XCTAssertEqual(asked, [128, 192, 256])
        XCTAssertEqual(resumed.captions, reference.captions)
        XCTAssertEqual(resumed.latents.scalars, reference.latents.scalars)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stopped.appendingPathComponent("latents.partial.safetensors").path))
    }
}
