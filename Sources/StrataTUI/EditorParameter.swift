// The parameters the editor shows and how keys change them: a step up or down, or a
// typed value, each clamped to what the engine accepts. They read and write the same
// EditSettings the command line and the session file use, under the same names.
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

    /// The largest weighting cap the editor offers: with Stable Diffusion's schedule
    /// 1/ᾱ_t reaches about 215 at t = 999, so a larger cap changes nothing.
    static let noiseWeightMax = 256.0

    /// Parameters a sweep can vary.
    public static let sweepable: [EditorParameter] = [.alpha, .lambda1, .lambda2, .objectNoiseWeight, .guidanceScale, .guidanceStart, .identityGuidance, .samplingSteps, .embeddingSteps, .finetuneSteps, .colourMatch]

    public var label: String {
        switch self {
        case .alpha: return "α"
        case .lambda1: return "λ1 (L_obj)"
        case .lambda2: return "λ2 (L_bg)"
        case .objectNoiseWeight: return "L_obj weight cap"
        case .backgroundNoiseWeight: return "L_bg weight cap"
        case .embeddingSteps: return "stage 1 steps"
        case .embeddingLR: return "stage 1 lr"
        case .mixEmbeddingLR: return "stage 1 mix lr"
        case .finetuneSteps: return "stage 2 steps"
        case .finetuneLR: return "stage 2 lr"
        case .finetuneMode: return "fine-tuning"
        case .loraRank: return "LoRA rank"
        case .samplingSteps: return "sampling steps"
        case .guidanceScale: return "guidance"
        case .guidanceStart: return "guidance start"
        case .scheduler: return "scheduler"
        case .seeds: return "seeds"
        case .identityGuidance: return "identity guidance"
        case .colourMatch: return "colour match"
        case .preset: return "preset"
        case .method: return "method"
        case .ablation: return "ablation"
        }
    }

    /// The first stage a change of this parameter makes stale (nil: none, as for the
    /// preset, which only picks what a run uses).
    public var firstStale: EditStage? {
        switch self {
        case .embeddingSteps, .embeddingLR, .mixEmbeddingLR: return .optimise
        case .alpha, .lambda1, .lambda2, .objectNoiseWeight, .backgroundNoiseWeight, .finetuneSteps, .finetuneLR, .finetuneMode, .loraRank: return .finetune
        case .samplingSteps, .guidanceScale, .guidanceStart, .identityGuidance, .scheduler, .seeds, .colourMatch: return .sample
        case .method, .ablation: return .reference
        case .preset: return nil
        }
    }

    public func value(_ s: EditorSettings) -> String {
        let e = s.edit
        switch self {
        case .alpha: return String(format: "%.2f", e.alpha)
        case .lambda1: return e.lambda1.map { String(format: "%.2f", $0) } ?? "auto"
        case .lambda2: return String(format: "%.2f", e.lambda2)
        case .objectNoiseWeight, .backgroundNoiseWeight: return String(format: "%.1f", e[keyPath: noiseWeightSetting!])
        case .embeddingSteps: return "\(e.embeddingSteps)"
        case .embeddingLR: return String(format: "%.1e", e.embeddingLR)
        case .mixEmbeddingLR: return e.mixEmbeddingLR > 0 ? String(format: "%.1e", e.mixEmbeddingLR) : "off"
        case .finetuneSteps: return "\(e.finetuneSteps)"
        case .finetuneLR: return String(format: "%.1e", e.finetuneLR)
        case .finetuneMode: return e.finetuneMode.rawValue
        case .loraRank: return "\(e.loraRank)"
        case .samplingSteps: return "\(e.samplingSteps)"
        case .guidanceScale: return String(format: "%.1f", e.guidanceScale)
        case .guidanceStart: return String(format: "%.2f", e.guidanceStart)
        case .scheduler: return e.scheduler.rawValue
        case .seeds: return e.seeds.map(String.init).joined(separator: ",")
        case .identityGuidance: return e.identityGuidance > 0 ? String(format: "%.2f", e.identityGuidance) : "off"
        case .colourMatch: return String(format: "%.2f", e.colourMatch)
        case .preset: return s.preset.rawValue
        case .method: return s.method.rawValue
        case .ablation: return e.ablation?.rawValue ?? "none"
        }
    }

    static func cycle<T: CaseIterable & Equatable>(_ v: T, _ d: Int) -> T {
        let all = Array(T.allCases)
        let i = all.firstIndex(of: v)!
        return all[((i + d) % all.count + all.count) % all.count]
    }

    /// The setting a noise-weighting cap parameter stands for.
    var noiseWeightSetting: WritableKeyPath<EditSettings, Double>? {
        switch self {
        case .objectNoiseWeight: return \.objectNoiseWeight
        case .backgroundNoiseWeight: return \.backgroundNoiseWeight
        default: return nil
        }
    }

    /// One step up (d = 1) or down (d = -1).
    public func step(_ s: inout EditorSettings, _ d: Int) {
        switch self {
        case .alpha: s.edit.alpha = min(1, max(0, (s.edit.alpha + 0.05 * Double(d)) * 100).rounded() / 100)
        case .lambda1: s.edit.lambda1 = max(0, (s.edit.lambda1 ?? EditSettings.lambda1Default) + 0.25 * Double(d))
        case .lambda2: s.edit.lambda2 = max(0, s.edit.lambda2 + 0.25 * Double(d))
        // A weighting cap acts on a scale of noise levels: a step doubles or halves it.
        case .objectNoiseWeight, .backgroundNoiseWeight:
            let cap = noiseWeightSetting!
            s.edit[keyPath: cap] = min(Self.noiseWeightMax, max(1, s.edit[keyPath: cap] * (d > 0 ? 2 : 0.5)))
        case .embeddingSteps: s.edit.embeddingSteps = max(0, s.edit.embeddingSteps + 50 * d)
        case .embeddingLR: s.edit.embeddingLR *= d > 0 ? 2 : 0.5
        // Off below 1e-4 (the paper); up from off starts at 1e-3.
        case .mixEmbeddingLR:
            let v = s.edit.mixEmbeddingLR
            s.edit.mixEmbeddingLR = d > 0 ? (v > 0 ? min(1, v * 2) : 1e-3) : (v * 0.5 < 1e-4 ? 0 : v * 0.5)
        case .finetuneSteps: s.edit.finetuneSteps = max(0, s.edit.finetuneSteps + 25 * d)
        case .finetuneLR: s.edit.finetuneLR *= d > 0 ? 2 : 0.5
        case .finetuneMode: s.edit.finetuneMode = Self.cycle(s.edit.finetuneMode, d)
        case .loraRank: s.edit.loraRank = min(64, max(1, s.edit.loraRank + d))
        case .samplingSteps: s.edit.samplingSteps = min(1000, max(1, s.edit.samplingSteps + 5 * d))
        case .guidanceScale: s.edit.guidanceScale = min(30, max(1, s.edit.guidanceScale + 0.5 * Double(d)))
        case .guidanceStart: s.edit.guidanceStart = min(1, max(0, ((s.edit.guidanceStart + 0.05 * Double(d)) * 100).rounded() / 100))
        case .scheduler: s.edit.scheduler = Self.cycle(s.edit.scheduler, d)
        case .seeds:
            let n = min(8, max(1, s.edit.seeds.count + d))
            let first = s.edit.seeds.first ?? 1
            s.edit.seeds = (0..<n).map { first + UInt64($0) }
        case .identityGuidance: s.edit.identityGuidance = min(2, max(0, ((s.edit.identityGuidance + 0.25 * Double(d)) * 100).rounded() / 100))
        case .colourMatch: s.edit.colourMatch = min(1, max(0, ((s.edit.colourMatch + 0.25 * Double(d)) * 100).rounded() / 100))
        case .preset: s.preset = Self.cycle(s.preset, d)
        case .method: s.method = Self.cycle(s.method, d)
        case .ablation:
            let options: [Ablation?] = [nil] + Ablation.allCases.map { $0 }
            let i = options.firstIndex(of: s.edit.ablation) ?? 0
            s.edit.ablation = options[((i + d) % options.count + options.count) % options.count]
        }
    }

    /// Sets a typed value; returns an error message when it is not one.
    public func set(_ s: inout EditorSettings, _ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        func number(_ range: ClosedRange<Double>) -> Double? {
            guard let v = Double(t), v.isFinite, range.contains(v) else { return nil }
            return v
        }
        func bad() -> String { "\(label): \"\(t)\" is not a valid value" }
        switch self {
        case .alpha: guard let v = number(0...1) else { return bad() }; s.edit.alpha = v
        case .lambda1:
            if t.lowercased() == "auto" { s.edit.lambda1 = nil; break }
            guard let v = number(0...100) else { return bad() }; s.edit.lambda1 = v
        case .lambda2: guard let v = number(0...100) else { return bad() }; s.edit.lambda2 = v
        case .objectNoiseWeight, .backgroundNoiseWeight:
            guard let v = number(1...Self.noiseWeightMax) else { return bad() + " (1 to \(Int(Self.noiseWeightMax)))" }
            s.edit[keyPath: noiseWeightSetting!] = v
        case .embeddingSteps: guard let v = Int(t), v >= 0, v <= 100_000 else { return bad() }; s.edit.embeddingSteps = v
        case .embeddingLR: guard let v = number(1e-9...1) else { return bad() }; s.edit.embeddingLR = v
        case .mixEmbeddingLR:
            guard t == "off" || number(0...1) != nil else { return bad() + " (0 or off, up to 1)" }
            s.edit.mixEmbeddingLR = t == "off" ? 0 : number(0...1)!
        case .finetuneSteps: guard let v = Int(t), v >= 0, v <= 100_000 else { return bad() }; s.edit.finetuneSteps = v
        case .finetuneLR: guard let v = number(1e-12...1) else { return bad() }; s.edit.finetuneLR = v
        case .finetuneMode: guard let v = FineTuneMode(rawValue: t) else { return bad() }; s.edit.finetuneMode = v
        case .loraRank: guard let v = Int(t), v >= 1, v <= 256 else { return bad() }; s.edit.loraRank = v
        case .samplingSteps: guard let v = Int(t), v >= 1, v <= 1000 else { return bad() }; s.edit.samplingSteps = v
        case .guidanceScale: guard let v = number(1...50) else { return bad() }; s.edit.guidanceScale = v
        case .guidanceStart: guard let v = number(0...1) else { return bad() + " (0 to 1)" }; s.edit.guidanceStart = v
        case .scheduler: guard let v = SchedulerKind(rawValue: t) else { return bad() }; s.edit.scheduler = v
        case .seeds:
            let parts = t.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.count <= 8, parts.allSatisfy({ $0 != nil }) else { return "seeds: 1 to 8 numbers separated by commas" }
            s.edit.seeds = parts.map { $0! }
        case .identityGuidance:
            guard t == "off" || number(0...2) != nil else { return bad() + " (0 or off, up to 2)" }
            s.edit.identityGuidance = t == "off" ? 0 : number(0...2)!
        case .colourMatch: guard let v = number(0...1) else { return bad() + " (0 to 1)" }; s.edit.colourMatch = v
        case .preset: guard let v = EditPreset(rawValue: t) else { return bad() }; s.preset = v
        case .method: guard let v = EditMethod(rawValue: t) else { return bad() }; s.method = v
        case .ablation:
            if t == "none" { s.edit.ablation = nil } else { guard let v = Ablation(rawValue: t) else { return bad() }; s.edit.ablation = v }
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
