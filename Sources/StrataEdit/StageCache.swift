// Stage results by key, in memory and optionally on disk (one safetensors file per
// entry in a cache folder, least recently used out past a size limit), so going back
// to an earlier setting, or reopening a session, reuses what was computed.
import Foundation
import StrataModels
import StrataTensor
import Synchronization

public final class StageCache: @unchecked Sendable {
    /// A result: named tensors.
    public typealias Entry = [String: Tensor]

    private struct State {
        var memory: [StageKey: Entry] = [:]
        var order: [StageKey] = []  // least recently used first
        /// States of stages stopped part of the way through: at most one per stage key.
        var partials: [StageKey: Entry] = [:]
    }
    private let state = Mutex(State())
    public let folder: URL?
    public let memoryEntries: Int
    public let diskLimitBytes: Int

    public init(folder: URL? = nil, memoryEntries: Int = 64, diskLimitBytes: Int = 2 << 30) {
        self.folder = folder
        self.memoryEntries = memoryEntries
        self.diskLimitBytes = diskLimitBytes
        if let folder { try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
    }

    func file(_ key: StageKey) -> URL? { folder?.appendingPathComponent(key.hex + ".safetensors") }

    public func get(_ key: StageKey) -> Entry? {
        if let hit = state.withLock({ s -> Entry? in
            guard let e = s.memory[key] else { return nil }
            s.order.removeAll { $0 == key }; s.order.append(key)
            return e
        }) { return hit }
        guard let url = file(key), let entry = Self.read(url) else { return nil }
        // Touch the file so eviction sees it as recently used.
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: url.path)
        remember(key, entry)
        return entry
    }

    public func put(_ key: StageKey, _ entry: Entry) {
        remember(key, entry)
        dropPartial(key)
        if let url = file(key) { write(entry, to: url) }
    }

    /// An entry's file, whole, or nil when it is missing or unreadable.
    private static func read(_ url: URL) -> Entry? {
        guard let f = try? SafeTensorsFile(path: url.path) else { return nil }
        var entry: Entry = [:]
        for n in f.names { guard let t = try? f.tensor(n) else { return nil }; entry[n] = t }
        return entry
    }

    private func write(_ entry: Entry, to url: URL) {
        try? SafeTensorsFile.write(entry, to: url.path)
        evictFromDisk()
    }

    /// The state a long stage saved part of the way through (StageResume), if any.
    public func partial(_ key: StageKey) -> Entry? {
        if let hit = state.withLock({ $0.partials[key] }) { return hit }
        return partialFile(key).flatMap(Self.read)
    }

    /// Saves a stage's state part of the way through, on disk when it fits the folder's
    /// limit; a later `put` of the finished result, or `dropPartial`, removes it.
    public func putPartial(_ key: StageKey, _ entry: Entry) {
        state.withLock { $0.partials[key] = entry }
        // A state larger than the whole folder's limit would only push everything out,
        // itself included: it stays in memory.
        guard let url = partialFile(key), 4 * entry.values.reduce(0, { $0 + $1.count }) < diskLimitBytes else { return }
        write(entry, to: url)
    }

    public func dropPartial(_ key: StageKey) {
        state.withLock { $0.partials[key] = nil }
        if let url = partialFile(key) { try? FileManager.default.removeItem(at: url) }
    }

    func partialFile(_ key: StageKey) -> URL? { folder?.appendingPathComponent(key.hex + ".partial.safetensors") }

    private func remember(_ key: StageKey, _ entry: Entry) {
        state.withLock { s in
            s.memory[key] = entry
            s.order.removeAll { $0 == key }; s.order.append(key)
            while s.order.count > memoryEntries { s.memory[s.order.removeFirst()] = nil }
        }
    }

    private func evictFromDisk() {
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        var files: [(url: URL, size: Int, date: Date)] = names.filter { $0.hasSuffix(".safetensors") }.compactMap {
            let url = folder.appendingPathComponent($0)
            guard let a = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
            return (url, (a[.size] as? Int) ?? 0, (a[.modificationDate] as? Date) ?? .distantPast)
        }
        files.sort { $0.date < $1.date }
        var total = files.reduce(0) { $0 + $1.size }
        for f in files where total > diskLimitBytes {
            try? FileManager.default.removeItem(at: f.url)
            total -= f.size
        }
    }
}
