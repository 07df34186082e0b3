// Range checks for the values a config.json holds, applied as it is decoded: a model
// folder with an impossible value (a negative size, zero groups, a list of the wrong
// length) is refused, naming the field, before anything is allocated from it.
import Foundation

struct ConfigCheck<Key: CodingKey> {
    let container: KeyedDecodingContainer<Key>

    func require(_ ok: Bool, _ key: Key, _ reason: @autoclosure () -> String) throws {
        guard ok else { throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(key.stringValue) \(reason())") }
    }

    func range(_ value: Int, _ allowed: ClosedRange<Int>, _ key: Key) throws {
        try require(allowed.contains(value), key, "is \(value), not a whole number from \(allowed.lowerBound) to \(allowed.upperBound)")
    }

    func ranges(_ values: [Int], _ allowed: ClosedRange<Int>, count: ClosedRange<Int>, _ key: Key) throws {
        let expected = count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound)–\(count.upperBound)"
        try require(count.contains(values.count), key, "has \(values.count) entries, not \(expected)")
        for v in values { try range(v, allowed, key) }
    }

    func positive(_ value: Double, below limit: Double = .greatestFiniteMagnitude, _ key: Key) throws {
        try require(value.isFinite && value > 0 && value < limit, key, "is \(value), not a positive number" + (limit < .greatestFiniteMagnitude ? " below \(limit)" : ""))
    }

    func finite(_ value: Double, _ key: Key) throws {
        try require(value.isFinite, key, "is \(value), not a finite number")
    }

    /// Every channel count divisible into `groups` groups.
    func divisible(_ values: [Int], by groups: Int, _ key: Key) throws {
        for v in values { try require(v % groups == 0, key, "has \(v) channels, not divisible into \(groups) groups") }
    }
}
