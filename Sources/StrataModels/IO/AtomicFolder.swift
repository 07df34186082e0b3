// A folder replaced in whole: its new contents are written into a staging folder beside
// it, then swapped in with one atomic exchange (renameat2), so a reader sees the old
// folder or the whole new one, never a mix, whenever the writer is killed.
import CStrata
import Foundation

public struct AtomicFolder {
    /// Where the folder's new contents go.
    public let target: URL
    /// Where they are written first (`.NAME.partial-PID` beside the target).
    public let staging: URL
    let marker: String?
    /// Whether `publish` moves the staged entries into a folder of the user's own one by one.
    public private(set) var entryByEntry = false

    /// Removes what killed writers left beside `target`, then makes the staging folder:
    /// empty, or with `keepingContents` holding the target's files as hard links (no data
    /// copied), so that a writer changes some files and the rest come along. Files must
    /// then be replaced (DurableFile, PNGImage), never rewritten in place.
    /// `ownedBy`: with `keepingContents`, a file that marks the target as a folder Strata
    /// wrote (`edit.json`, `session.json`). A target that holds other files (hidden ones
    /// aside) but not it is the user's own folder, which a swap would move: there the
    /// staged files are moved in one by one instead, the marker last, so that it only ever
    /// names files already in place.
    public init(replacing target: URL, keepingContents: Bool = false, ownedBy marker: String? = nil) throws {
        self.target = target.standardizedFileURL
        self.marker = marker
        var keeping = keepingContents
        if keepingContents, let marker, Self.isUsersOwn(self.target, marker: marker) {
            entryByEntry = true
            keeping = false
        }
        try FileManager.default.createDirectory(at: self.target.deletingLastPathComponent(), withIntermediateDirectories: true)
        Self.recover(self.target)
        staging = Self.sibling(of: self.target, "partial", pid: getpid())
        try? FileManager.default.removeItem(at: staging)
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        if keeping, FileManager.default.fileExists(atPath: self.target.path) { try Self.link(self.target, into: staging) }
    }

    /// Mirrors the folder `source` into the empty folder `destination`: folders made anew,
    /// files hard-linked (copied where the file system cannot link).
    static func link(_ source: URL, into destination: URL) throws {
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: source.path) {
            let from = source.appendingPathComponent(name), to = destination.appendingPathComponent(name)
            let type = try fm.attributesOfItem(atPath: from.path)[.type] as? FileAttributeType
            if type == .typeDirectory {
                try fm.createDirectory(at: to, withIntermediateDirectories: false)
                try link(from, into: to)
            } else if type == .typeSymbolicLink {
                try fm.createSymbolicLink(atPath: to.path, withDestinationPath: fm.destinationOfSymbolicLink(atPath: from.path))
            } else if Foundation.link(from.path, to.path) != 0 {
                try fm.copyItem(at: from, to: to)
            }
        }
    }

    /// Whether `target` holds files (hidden ones aside) but not `marker`: a folder of the
    /// user's own.
    static func isUsersOwn(_ target: URL, marker: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: target.path) else { return false }
        return names.contains { !$0.hasPrefix(".") } && !names.contains(marker)
    }

    /// Writes a whole new `target` with `body` (given the staging folder) and swaps it in;
    /// when `body` fails, the old folder stays as it was and the staging folder goes.
    public static func write(_ target: URL, keepingContents: Bool = false, ownedBy marker: String? = nil, _ body: (URL) throws -> Void) throws {
        let staged = try AtomicFolder(replacing: target, keepingContents: keepingContents, ownedBy: marker)
        do {
            try body(staged.staging)
            try staged.publish()
        } catch {
            staged.discard()
            throw error
        }
    }

    /// The staged path of an entry.
    public func url(_ name: String) -> URL { staging.appendingPathComponent(name) }

    /// Puts the staged folder in the target's place in one step and removes the old one
    /// (or, in a folder of the user's own, moves the staged entries in, the marker last).
    public func publish() throws {
        let fm = FileManager.default
        if entryByEntry {
            let all = try fm.contentsOfDirectory(atPath: staging.path).sorted()
            let names = all.filter { $0 != marker } + all.filter { $0 == marker }
            for name in names {
                let destination = target.appendingPathComponent(name)
                if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
                try fm.moveItem(at: url(name), to: destination)
            }
            DurableFile.syncFolder(of: target.appendingPathComponent(".").path)
            discard()
            return
        }
        DurableFile.syncFolder(of: staging.appendingPathComponent(".").path)
        if !fm.fileExists(atPath: target.path) {
            guard rename(staging.path, target.path) == 0 else { throw DurableFile.Failure.write(path: target.path, errno: errno) }
        } else {
            let e = cstrata_exchange_paths(staging.path, target.path)
            if e == 0 {
                // The old contents are now at the staging path.
                DurableFile.syncFolder(of: target.path)
                try? fm.removeItem(at: staging)
                return
            }
            guard e == EINVAL || e == ENOSYS || e == EOPNOTSUPP else { throw DurableFile.Failure.write(path: target.path, errno: e) }
            // A file system without exchange: two renames, and `recover` puts the old
            // folder back if a kill falls between them.
            let old = Self.sibling(of: target, "old", pid: getpid())
            guard rename(target.path, old.path) == 0 else { throw DurableFile.Failure.write(path: target.path, errno: errno) }
            guard rename(staging.path, target.path) == 0 else {
                let e = errno
                _ = rename(old.path, target.path)
                throw DurableFile.Failure.write(path: target.path, errno: e)
            }
            DurableFile.syncFolder(of: target.path)
            try? fm.removeItem(at: old)
            return
        }
        DurableFile.syncFolder(of: target.path)
    }

    /// Writes a Codable record as pretty JSON (sorted keys, a final newline).
    public func writeJSON<T: Encodable>(_ value: T, as name: String) throws {
        try (try JSONEncoder.sorted.encode(value) + Data("\n".utf8)).writeDurably(to: url(name))
    }

    /// The staged path of an entry that is written anew whole: what the target held
    /// under that name is dropped from the new folder.
    public func emptied(_ name: String) -> URL {
        try? FileManager.default.removeItem(at: url(name))
        return url(name)
    }

    /// Removes the staging folder and whatever is in it.
    public func discard() { try? FileManager.default.removeItem(at: staging) }

    /// Cleans up after writers of `target` that were killed: staging folders of processes
    /// that are gone are removed, and an old folder moved aside (by the two-rename path)
    /// is put back when the target is missing.
    public static func recover(_ target: URL) {
        let fm = FileManager.default
        let parent = target.deletingLastPathComponent()
        guard let names = try? fm.contentsOfDirectory(atPath: parent.path) else { return }
        for name in names {
            guard let (kind, pid) = parse(name, of: target.lastPathComponent), !DurableFile.isRunning(pid) else { continue }
            let url = parent.appendingPathComponent(name)
            if kind == "old", !fm.fileExists(atPath: target.path), rename(url.path, target.path) == 0 { continue }
            try? fm.removeItem(at: url)
        }
    }

    static func sibling(of target: URL, _ kind: String, pid: Int32) -> URL {
        target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(kind)-\(pid)")
    }

    /// ("partial" or "old", pid) for a sibling name of `base`.
    static func parse(_ name: String, of base: String) -> (String, Int32)? {
        for kind in ["partial", "old"] {
            let prefix = ".\(base).\(kind)-"
            if name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count)) { return (kind, pid) }
        }
        return nil
    }
}
