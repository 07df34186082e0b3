// Writes that survive a crash or a power cut: the bytes go to a temporary file beside
// the target, which is flushed to disk (fsync), renamed over the target, and the folder
// is flushed too, so the name points at either the old file or the whole new one.
import Foundation

public enum DurableFile {
    public enum Failure: Error, CustomStringConvertible {
        case write(path: String, errno: Int32)
        public var description: String {
            switch self { case let .write(p, e): return "\(p): cannot be written (\(String(cString: strerror(e))))" }
        }
    }

    /// Writes `data` to `url` durably.
    public static func write(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw Failure.write(path: url.path, errno: errno) }
        var failed: Int32 = 0
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; failed = errno; return }
                offset += n
            }
        }
        if failed == 0, fsync(fd) != 0 { failed = errno }
        close(fd)
        guard failed == 0 else { unlink(temporary); throw Failure.write(path: url.path, errno: failed) }
        try publish(temporary: temporary, as: url.path)
    }

    /// Flushes a finished temporary file, renames it over `path` and flushes the folder.
    public static func publish(temporary: String, as path: String) throws {
        let fd = open(temporary, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw Failure.write(path: path, errno: e)
        }
        syncFolder(of: path)
    }

    /// Removes the temporary files that writers killed before their rename left in
    /// `folder` (`.NAME.PID.tmp` of processes that are gone).
    public static func removeLeftovers(in folder: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.dropLast(4).split(separator: ".")
            guard let pid = parts.last.flatMap({ Int32($0) }), !isRunning(pid) else { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// Whether a process with this id is alive (a writer whose files must be left alone).
    public static func isRunning(_ pid: Int32) -> Bool {
        pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
    }

    /// Flushes the folder holding `path`, so a rename in it is on disk.
    public static func syncFolder(of path: String) {
        let fd = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
        if fd >= 0 { fsync(fd); close(fd) }
    }
}

extension Data {
    /// Writes durably (DurableFile): temporary file, fsync, rename, folder fsync.
    public func writeDurably(to url: URL) throws { try DurableFile.write(self, to: url) }
}
