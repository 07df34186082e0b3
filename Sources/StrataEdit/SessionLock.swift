// One editor per session: a lock on `.lock` inside the session folder, held while the
// editor runs. The folder is swapped whole at each save (AtomicFolder keeps the lock
// file as a hard link, the same file), so the lock holds across saves; the system drops
// it when the process ends, however it ends.
import Foundation

public final class SessionLock {
    public enum Failure: Error, CustomStringConvertible {
        case held(folder: String, pid: String)
        case unavailable(folder: String, errno: Int32)
        public var description: String {
            switch self {
            case let .held(folder, pid):
                return "\(folder) is open in another Strata editor (process \(pid)); close that one first, or open a copy of the session"
            case let .unavailable(folder, e): return "\(folder): cannot lock the session (\(String(cString: strerror(e))))"
            }
        }
    }

    public static let fileName = ".lock"
    let descriptor: Int32

    /// Takes the session's lock, making the folder when it is new.
    public init(folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(Self.fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure.unavailable(folder: folder.path, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let e = errno
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            if e == EWOULDBLOCK { throw Failure.held(folder: folder.path, pid: holder.flatMap { $0.isEmpty ? nil : $0 } ?? "unknown") }
            throw Failure.unavailable(folder: folder.path, errno: e)
        }
        // The holder's process id, for the message a second editor shows. Written in
        // place: the file is the lock itself, not data a reader depends on.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
