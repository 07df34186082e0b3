// One edit setting, described once: its key, type, default, valid range, the stages
// whose results it changes, its help text and how the editor steps it. The table of
// them (EditSettingsSchema) is where every source of settings (command line, model
// folder defaults, settings files, sessions, sidecars) is read and checked, where the
// editor's rows and the stage cache's keys come from, and what the docs' table lists.
import Foundation

/// A setting's value, whatever its type; `unset` is "auto" (λ1) or "none" (ablation).
public enum SettingValue: Equatable, Sendable, CustomStringConvertible {
    case number(Double), integer(Int), unsigned(UInt64), choice(String), seeds([UInt64]), unset

    public var description: String {
        switch self {
        case .number(let v): return "\(v)"
        case .integer(let v): return "\(v)"
        case .unsigned(let v): return "\(v)"
        case .choice(let v): return v
        case .seeds(let v): return v.map(String.init).joined(separator: ",")
        case .unset: return "unset"
        }
    }
}

public struct EditSetting: Sendable {
    public enum Kind: Sendable {
        case number(ClosedRange<Double>)
        case integer(ClosedRange<Int>)
        case unsigned
        case choice([String])
        /// A list of seeds, with how many it may hold.
        case seeds(count: ClosedRange<Int>)
    }

    /// How the editor's left and right keys change the value.
    public enum Step: Sendable {
        /// Add ± this much, rounded to `decimals` places, kept in range.
        case add(Double, decimals: Int?)
        /// Multiply or divide by this factor, kept in range.
        case scale(Double)
        /// The next or previous choice (with "none" first when the setting may be unset).
        case cycle
        /// A rule of the setting's own.
        case custom(@Sendable (inout EditSettings, Int) -> Void)
        /// Not offered in the editor.
        case none
    }

    public let key: String
    public let label: String
    public let kind: Kind
    /// The stages whose results depend on it; the first is what a change makes stale.
    public let stages: [EditStage]
    public let help: String
    public let step: Step
    /// printf format of a number on screen ("%.2f"); nil shows it as it is.
    public let format: String?
    /// The word shown and accepted for an unset value ("auto", "none").
    public let unsetWord: String?
    /// The word shown and accepted for 0 ("off").
    public let zeroWord: String?
    /// False for settings that key a cache layer of their own (colour match) or are
    /// keyed one value at a time (each seed its own sample).
    public internal(set) var keyed: Bool
    let read: @Sendable (EditSettings) -> SettingValue
    let write: @Sendable (inout EditSettings, SettingValue) -> Void

    public var firstStale: EditStage { stages.min { $0.index < $1.index }! }

    public func value(_ s: EditSettings) -> SettingValue { read(s) }
    public var defaultValue: SettingValue { read(EditSettings()) }

    /// Sets a value after checking it; the error names the setting and its range.
    public func set(_ s: inout EditSettings, _ v: SettingValue) throws {
        try check(v)
        write(&s, v)
    }

    /// Reads a typed value ("0.7", "off", "auto", "1,2,3"), checked against the range.
    public func parse(_ text: String) throws -> SettingValue {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let unsetWord, t.lowercased() == unsetWord { return .unset }
        if let zeroWord, t.lowercased() == zeroWord { return .number(0) }
        let v: SettingValue?
        switch kind {
        case .number: v = Double(t).flatMap { $0.isFinite ? .number($0) : nil }
        case .integer: v = Int(t).map { .integer($0) }
        case .unsigned: v = UInt64(t).map { .unsigned($0) }
        case .choice: v = .choice(t)
        case .seeds:
            let parts = t.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            v = parts.allSatisfy { $0 != nil } && !parts.isEmpty ? .seeds(parts.map { $0! }) : nil
        }
        guard let v else { throw EditError.input("\(key): \"\(t)\" is not \(expected)") }
        try check(v)
        return v
    }

    /// What a valid value looks like, for error messages and the docs.
    public var expected: String {
        var words = [zeroWord, unsetWord].compactMap { $0 }.map { "\"\($0)\"" }
        let base: String
        switch kind {
        case .number(let r): base = "a number from \(Self.plain(r.lowerBound)) to \(Self.plain(r.upperBound))"
        case .integer(let r): base = "a whole number from \(r.lowerBound) to \(r.upperBound)"
        case .unsigned: base = "a whole number from 0"
        case .choice(let c): base = "one of " + c.joined(separator: ", ")
        case .seeds(let n): base = "\(n.lowerBound) to \(n.upperBound) seeds separated by commas"
        }
        words.insert(base, at: 0)
        return words.joined(separator: " or ")
    }

    public func check(_ v: SettingValue) throws {
        let ok: Bool
        switch (kind, v) {
        case (_, .unset): ok = unsetWord != nil
        case (.number(let r), .number(let x)): ok = x.isFinite && r.contains(x) || (zeroWord != nil && x == 0)
        case (.integer(let r), .integer(let x)): ok = r.contains(x)
        case (.unsigned, .unsigned): ok = true
        case (.unsigned, .integer(let x)): ok = x >= 0
        case (.choice(let c), .choice(let x)): ok = c.contains(x)
        case (.seeds(let n), .seeds(let x)): ok = n.contains(x.count)
        default: ok = false
        }
        guard ok else { throw EditError.input("\(key): \(v) is not \(expected)") }
    }

    /// The value as the editor shows it.
    public func display(_ s: EditSettings) -> String {
        let v = read(s)
        switch v {
        case .unset: return unsetWord ?? "none"
        case .number(let x):
            if x == 0, let zeroWord { return zeroWord }
            return format.map { String(format: $0, x) } ?? Self.plain(x)
        default: return v.description
        }
    }

    /// One editor step up (d = 1) or down (d = −1).
    public func stepped(_ s: inout EditSettings, _ d: Int) {
        switch (step, kind, read(s)) {
        case (.add(let by, let decimals), .number(let r), .number(let x)):
            var y = x + by * Double(d)
            if let decimals { let p = pow(10, Double(decimals)); y = (y * p).rounded() / p }
            write(&s, .number(min(r.upperBound, max(r.lowerBound, y))))
        case (.add(let by, _), .integer(let r), .integer(let x)):
            write(&s, .integer(min(r.upperBound, max(r.lowerBound, x + Int(by) * d))))
        case (.scale(let f), .number(let r), .number(let x)):
            write(&s, .number(min(r.upperBound, max(r.lowerBound, d > 0 ? x * f : x / f))))
        case (.cycle, .choice(let c), let v):
            let options: [SettingValue] = (unsetWord != nil ? [.unset] : []) + c.map { .choice($0) }
            let i = options.firstIndex(of: v) ?? 0
            write(&s, options[((i + d) % options.count + options.count) % options.count])
        case (.custom(let rule), _, _): rule(&s, d)
        default: break
        }
    }

    /// The value as JSON holds it (nil: left out).
    func json(_ s: EditSettings) -> Any? {
        switch read(s) {
        case .number(let x): return x
        case .integer(let x): return x
        case .unsigned(let x): return x
        case .choice(let x): return x
        case .seeds(let x): return x
        case .unset: return nil
        }
    }

    /// Text for a stage's cache key: the same value always gives the same text.
    func keyText(_ s: EditSettings) -> String { "\(key)=\(read(s))" }

    static func plain(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }
}

extension EditStage {
    public var index: Int { EditStage.allCases.firstIndex(of: self)! }
}
