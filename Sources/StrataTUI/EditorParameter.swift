// The parameters the editor shows, in their order: the edit settings' rows come from
// EditSettingsSchema (label, value, step, typed value, what a change makes stale); the
// preset and the method are the editor's own.
import Foundation
import StrataEdit
import StrataModels

public enum EditorParameter: String, CaseIterable, Sendable {
    case alpha, lambda1, lambda2, objectNoiseWeight = "object_noise_weight", backgroundNoiseWeight = "background_noise_weight"
    case embeddingSteps = "embedding_steps", embeddingLR = "embedding_lr", mixEmbeddingLR = "mix_embedding_lr"
    case finetuneSteps = "finetune_steps", finetuneLR = "finetune_lr", finetuneMode = "finetune_mode", loraRank = "lora_rank"
    case samplingSteps = "sampling_steps", guidanceScale = "guidance_scale", guidanceStart = "guidance_start", identityGuidance = "identity_guidance"
    case scheduler, seeds
    case colourMatch = "colour_match"
    case preset, method, ablation

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
