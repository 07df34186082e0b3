// What every harness shares: the fuzzer's bytes as a file (Strata's readers take paths),
// written into a folder of this process's own.
import Foundation

enum FuzzInput {
    static let folder: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("strata-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// The bytes written to `name` in the harness's folder.
    static func file(_ data: UnsafePointer<UInt8>, _ size: Int, name: String = "input") -> URL {
        let url = folder.appendingPathComponent(name)
        FileManager.default.createFile(atPath: url.path, contents: Data(bytes: data, count: size))
        return url
    }

    static func data(_ data: UnsafePointer<UInt8>, _ size: Int) -> Data { Data(bytes: data, count: size) }
}
