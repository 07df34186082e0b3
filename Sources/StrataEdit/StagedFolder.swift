// Output written into a hidden folder beside its target and moved in whole at the end,
// so a failed or interrupted job leaves no half-written files among the user's.
import Foundation
import StrataModels

public struct StagedFolder {
    /// Where the files end up.
    public let target: URL
    /// Where they are written first (`.NAME.partial-PID` beside the target).
    public let staging: URL

    /// An empty staging folder for `target`.
    public init(for target: URL) throws {
        self.target = target
        staging = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).partial-\(getpid())")
        try? FileManager.default.removeItem(at: staging)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
    }

    /// The staged path of an entry.
    public func url(_ name: String) -> URL { staging.appendingPathComponent(name) }

    /// Writes a Codable record as pretty JSON (sorted keys, a final newline).
    public func writeJSON<T: Encodable>(_ value: T, as name: String) throws {
        try (try JSONEncoder.sorted.encode(value) + Data("\n".utf8)).writeDurably(to: url(name))
    }

    /// Moves every staged entry into the target (replacing entries of the same name) and
    /// removes the staging folder; returns the names moved.
    @discardableResult
    public func commit() throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(at: target, withIntermediateDirectories: true)
        let names = try fm.contentsOfDirectory(atPath: staging.path).sorted()
        for name in names {
            let destination = target.appendingPathComponent(name)
            if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
            try fm.moveItem(at: url(name), to: destination)
        }
        DurableFile.syncFolder(of: target.appendingPathComponent(".").path)
        discard()
        return names
    }

    /// Removes the staging folder and whatever is in it.
    public func discard() { try? FileManager.default.removeItem(at: staging) }
}
