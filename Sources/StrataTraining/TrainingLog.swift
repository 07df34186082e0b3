// Progress of a training run: one line every few steps on standard error and in the
// run folder's log.txt (step, loss, throughput, time left), so a run in the background
// can be followed with `tail -f`.
import Foundation

public final class TrainingLog {
    let file: FileHandle?
    let started = Date()

    public init(folder: URL) {
        let url = folder.appendingPathComponent("log.txt")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        file = try? FileHandle(forWritingTo: url)
        _ = try? file?.seekToEnd()
    }

    public func line(_ s: String) {
        let stamped = "[\(ISO8601DateFormatter().string(from: Date()))] \(s)\n"
        FileHandle.standardError.write(Data(stamped.utf8))
        file?.write(Data(stamped.utf8))
    }

    /// "1:02:03" for a number of seconds.
    public static func clock(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
    }
}
