// The parameters the editor shows, in their order: a row for every edit setting the
// editor can step (EditSettingsSchema: label, value, step, typed value, what a change
// makes stale), in the table's order, with the editor's own two, the preset and the
// method, before the last (the ablation). A setting added to the table gets its row.
import Foundation
import StrataEdit
import StrataModels

public struct EditorParameter: Hashable, Sendable, CustomStringConvertible {
    /// The setting's key, or "preset" / "method".
    public let rawValue: String
    init(_ key: String) { rawValue = key }
    public var description: String { rawValue }

    public static let preset = EditorParameter("preset"), method = EditorParameter("method")

    /// The rows, in order.
    public static let allCases: [EditorParameter] = {
        let settings = EditSettingsSchema.all.filter { if case .none = $0.step { return false } else { return true } }.map { EditorParameter($0.key) }
        return settings.dropLast() + [preset, method] + settings.suffix(1)
    }()

    // Rows the editor's code names.
    public static let alpha = EditorParameter("alpha"), lambda1 = EditorParameter("lambda1"), lambda2 = EditorParameter("lambda2")
    public static let objectNoiseWeight = EditorParameter("object_noise_weight"), backgroundNoiseWeight = EditorParameter("background_noise_weight")
    public static let embeddingSteps = EditorParameter("embedding_steps"), mixEmbeddingLR = EditorParameter("mix_embedding_lr")
    public static let finetuneSteps = EditorParameter("finetune_steps"), finetuneMode = EditorParameter("finetune_mode")
    public static let samplingSteps = EditorParameter("sampling_steps"), guidanceScale = EditorParameter("guidance_scale")
    public static let guidanceStart = EditorParameter("guidance_start"), identityGuidance = EditorParameter("identity_guidance")
    public static let seeds = EditorParameter("seeds"), colourMatch = EditorParameter("colour_match"), ablation = EditorParameter("ablation")

    /// Parameters a sweep can vary.
    public static let sweepable: [EditorParameter] = [.alpha, .lambda1, .lambda2, .objectNoiseWeight, .guidanceScale, .guidanceStart, .identityGuidance, .samplingSteps, .embeddingSteps, .finetuneSteps, .colourMatch]

    /// The edit setting this row shows (EditSettingsSchema); nil for the editor's own
    /// rows, the preset and the method.
    public var setting: EditSetting? { EditSettingsSchema[rawValue] }

    public var label: String {
        switch self {
        case .preset: return "preset"
        case .method: return "method"
        default: return setting!.label
        }
    }

    /// The first stage a change of this parameter makes stale (nil: none, as for the
    /// preset, which only picks what a run uses).
    public var firstStale: EditStage? {
        switch self {
        case .method: return .reference
        case .preset: return nil
        default: return setting!.firstStale
        }
    }

    public func value(_ s: EditorSettings) -> String {
        switch self {
        case .preset: return s.preset.rawValue
        case .method: return s.method.rawValue
        default: return setting!.display(s.edit)
        }
    }

    static func cycle<T: CaseIterable & Equatable>(_ v: T, _ d: Int) -> T {
        let all = Array(T.allCases)
        let i = all.firstIndex(of: v)!
        return all[((i + d) % all.count + all.count) % all.count]
    }

    /// One step up (d = 1) or down (d = -1).
    public func step(_ s: inout EditorSettings, _ d: Int) {
        switch self {
        case .preset: s.preset = Self.cycle(s.preset, d)
        case .method: s.method = Self.cycle(s.method, d)
        default: setting!.stepped(&s.edit, d)
        }
    }

    /// Sets a typed value; returns an error message when it is not one.
    public func set(_ s: inout EditorSettings, _ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch self {
        case .preset: guard let v = EditPreset(rawValue: t) else { return "\(label): \"\(t)\" is not one of \(EditPreset.allCases.map(\.rawValue).joined(separator: ", "))" }; s.preset = v
        case .method: guard let v = EditMethod(rawValue: t) else { return "\(label): \"\(t)\" is not one of \(EditMethod.allCases.map(\.rawValue).joined(separator: ", "))" }; s.method = v
        default:
            let setting = setting!
            do { try setting.set(&s.edit, setting.parse(t)) } catch { return "\(label): \"\(t)\" is not valid: \(setting.expected)" }
        }
        return nil
    }
}

/// What the editor runs with: the edit's settings, the preset and the method.
public struct EditorSettings: Equatable, Sendable {
    public var edit: EditSettings
    public var preset: EditPreset = .full
    public var method: EditMethod = .layerdiffusion
    public init(edit: EditSettings) { self.edit = edit }
}
