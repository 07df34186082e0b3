// Names of stage results: a SHA-256 over everything a stage's result depends on (the
// previous stage's key, its inputs' bytes, its settings), so equal inputs find the
// result computed before and any change misses.
import Foundation
import StrataModels
import StrataTensor

public struct StageKey: Hashable, Codable, Sendable, CustomStringConvertible {
    public let hex: String
    public var description: String { String(hex.prefix(16)) }

    public struct Builder {
        var hash = SHA256()
        public init(_ stage: String) { add(stage) }
        public mutating func add(_ s: String) { hash.update(Data((s + "\u{0}").utf8)) }
        public mutating func add(_ t: Tensor?) {
            guard let t else { return add("none") }
            add(t.shape.map(String.init).joined(separator: "x"))
            hash.update(UnsafeRawBufferPointer(start: t.data, count: t.count * 4))
        }
        public mutating func add(_ key: StageKey) { add(key.hex) }
        public mutating func finish() -> StageKey { StageKey(hex: hash.finalize().map { String(format: "%02x", $0) }.joined()) }
    }
}
