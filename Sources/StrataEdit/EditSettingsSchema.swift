// The table of every edit setting (EditSetting): adding a setting is one entry here plus
// the code that uses it. Defaults are EditSettings' own (docs/method.md's
// values for Stable Diffusion 1.x unless marked "ours").
import Foundation
import StrataModels

public enum EditSettingsSchema {
    public static let all: [EditSetting] = [
        number("alpha", "α", \.alpha, 0...1, [.finetune], .add(0.05, decimals: 2), "%.2f",
               "Weight of the subject embedding in the mix e_opt = α·ê_a + (1 − α)·ê_b."),
        EditSetting(key: "lambda1", label: "λ1 (L_obj)", kind: .number(0...100), stages: [.finetune],
                    help: "Weight of the subject loss L_obj; auto: 3 for a subject mask under 5% of the image, else 2.",
                    step: .custom { s, d in s.lambda1 = min(100, max(0, (s.lambda1 ?? EditSettings.lambda1Default) + 0.25 * Double(d))) },
                    format: "%.2f", unsetWord: "auto", zeroWord: nil, keyed: true,
                    read: { $0.lambda1.map { .number($0) } ?? .unset },
                    write: { s, v in if case .number(let x) = v { s.lambda1 = x } else { s.lambda1 = nil } }),
        number("lambda2", "λ2 (L_bg)", \.lambda2, 0...100, [.finetune], .add(0.25, decimals: nil), "%.2f",
               "Weight of the background loss L_bg."),
        // A weighting cap acts on a scale of noise levels: a step doubles or halves it. With
        // Stable Diffusion's schedule 1/ᾱ_t reaches about 215 at t = 999, so 256 is enough.
        number("object_noise_weight", "L_obj weight cap", \.objectNoiseWeight, 1...256, [.finetune], .scale(2), "%.1f",
               "Cap of stage 2's weighting of L_obj by noise level, min(1/ᾱ_t, cap); 1 is the paper's plain loss (ours)."),
        number("background_noise_weight", "L_bg weight cap", \.backgroundNoiseWeight, 1...256, [.finetune], .scale(2), "%.1f",
               "The same cap for L_bg (ours)."),
        integer("embedding_steps", "stage 1 steps", \.embeddingSteps, 0...100_000, [.optimise], 50,
                "Steps of the embedding optimisation (stage 1)."),
        number("embedding_lr", "stage 1 lr", \.embeddingLR, 1e-9...1, [.optimise], .scale(2), "%.1e",
               "Adam's learning rate in stage 1."),
        EditSetting(key: "mix_embedding_lr", label: "stage 1 mix lr", kind: .number(1e-6...1), stages: [.optimise],
                    help: "When on, stage 1 also optimises a second subject embedding at this rate, which e_opt mixes in place of the first (off: the paper; ours).",
                    // Off below 1e-4; up from off starts at 1e-3.
                    step: .custom { s, d in
                        let v = s.mixEmbeddingLR
                        s.mixEmbeddingLR = d > 0 ? (v > 0 ? min(1, v * 2) : 1e-3) : (v * 0.5 < 1e-4 ? 0 : v * 0.5)
                    },
                    format: "%.1e", unsetWord: nil, zeroWord: "off", keyed: true,
                    read: { .number($0.mixEmbeddingLR) }, write: { s, v in if case .number(let x) = v { s.mixEmbeddingLR = x } }),
        integer("finetune_steps", "stage 2 steps", \.finetuneSteps, 0...100_000, [.finetune], 25,
                "Steps of the layered fine-tuning (stage 2)."),
        number("finetune_lr", "stage 2 lr", \.finetuneLR, 1e-12...1, [.finetune], .scale(2), "%.1e",
               "Adam's learning rate in stage 2."),
        choice("finetune_mode", "fine-tuning", \.finetuneMode, [.finetune],
               "What stage 2 trains: full (every UNet weight, the paper), attention (attention layers only) or lora (low-rank adapters)."),
        integer("lora_rank", "LoRA rank", \.loraRank, 1...256, [.finetune], 1, "Rank of the LoRA adapters (finetune_mode lora)."),
        integer("sampling_steps", "sampling steps", \.samplingSteps, 1...1000, [.sample], 5, "Sampling steps of stage 3."),
        number("guidance_scale", "guidance", \.guidanceScale, 0...50, [.sample], .add(0.5, decimals: nil), "%.1f",
               "Classifier-free guidance scale."),
        number("guidance_start", "guidance start", \.guidanceStart, 0...1, [.sample], .add(0.05, decimals: 2), "%.2f",
               "Share of the sampling steps, noisiest first, run without guidance; 0 guides every step, as the paper does (ours)."),
        number("identity_guidance", "identity guidance", \.identityGuidance, 0...2, [.sample], .add(0.25, decimals: 2), "%.2f",
               "How far guidance's unconditional prediction, where the subject will stand, moves to the model's before fine-tuning (0: the paper; ours).",
               zeroWord: "off"),
        choice("scheduler", "scheduler", \.scheduler, [.sample], "The sampler of stage 3."),
        EditSetting(key: "seeds", label: "seeds", kind: .seeds(count: 1...64), stages: [.sample],
                    help: "Sampling seeds, one result each.",
                    // The editor shows up to 8 results side by side.
                    step: .custom { s, d in
                        let n = min(8, max(1, s.seeds.count + d))
                        let first = s.seeds.first ?? 1
                        s.seeds = (0..<n).map { first + UInt64($0) }
                    },
                    format: nil, unsetWord: nil, zeroWord: nil, keyed: false,
                    read: { .seeds($0.seeds) }, write: { s, v in if case .seeds(let x) = v { s.seeds = x } }),
        // Its own cache layer over each sample (LayerDiffusionEdit.colourMatched).
        EditSetting(key: "colour_match", label: "colour match", kind: .number(0...1), stages: [.sample],
                    help: "How far each result's subject is moved to the source subject's colours after sampling (0: as sampled, the paper; ours).",
                    step: .add(0.25, decimals: 2), format: "%.2f", unsetWord: nil, zeroWord: nil, keyed: false,
                    read: { .number($0.colourMatch) }, write: { s, v in if case .number(let x) = v { s.colourMatch = x } }),
        unsigned("reference_seed", "reference seed", \.referenceSeed, [.reference], "Seed of the generated reference background."),
        unsigned("training_seed", "training seed", \.trainingSeed, [.optimise, .finetune], "Seed of the training noise of stages 1 and 2."),
        // The baselines' own settings: they run no stages of LayerDiffusion, so no key holds them.
        EditSetting(key: "sdedit_strength", label: "SDEdit strength", kind: .number(0.02...1), stages: [.sample],
                    help: "The SDEdit baseline: how far the source is noised before it is denoised with the texts (1: from pure noise).",
                    step: .add(0.05, decimals: 2), format: "%.2f", unsetWord: nil, zeroWord: nil, keyed: false,
                    read: { .number($0.sdeditStrength) }, write: { s, v in if case .number(let x) = v { s.sdeditStrength = x } }),
        baseline(number("sdedit_guidance_scale", "SDEdit guidance", \.sdeditGuidanceScale, 0...50, [.sample], .add(0.5, decimals: nil), "%.1f",
                        "The SDEdit baseline: its classifier-free guidance scale.")),
        EditSetting(key: "imagic_text_share", label: "Imagic text share", kind: .number(0...1), stages: [.sample],
                    help: "The Imagic baseline: the share of Enc(T) in the embedding it samples from, the rest its optimised embedding.",
                    step: .add(0.05, decimals: 2), format: "%.2f", unsetWord: nil, zeroWord: nil, keyed: false,
                    read: { .number($0.imagicTextShare) }, write: { s, v in if case .number(let x) = v { s.imagicTextShare = x } }),
        baseline(integer("imagic_embedding_steps", "Imagic steps", \.imagicEmbeddingSteps, 0...100_000, [.optimise], 50,
                         "The Imagic baseline: steps of its embedding optimisation.")),
        baseline(number("imagic_finetune_lr", "Imagic lr", \.imagicFinetuneLR, 1e-12...1, [.finetune], .scale(2), "%.1e",
                        "The Imagic baseline: Adam's learning rate when it fine-tunes the UNet.")),
        EditSetting(key: "ablation", label: "ablation", kind: .choice(Ablation.allCases.map(\.rawValue)), stages: [.optimise, .finetune, .sample],
                    help: "Switch off one part of the method (the paper's Table 1).",
                    step: .cycle, format: nil, unsetWord: "none", zeroWord: nil, keyed: true,
                    read: { $0.ablation.map { .choice($0.rawValue) } ?? .unset },
                    write: { s, v in if case .choice(let x) = v { s.ablation = Ablation(rawValue: x) } else { s.ablation = nil } }),
    ]

    public static let byKey: [String: EditSetting] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })

    public static subscript(_ key: String) -> EditSetting? { byKey[key] }

    /// The settings a stage's result depends on, as cache-key text. The version changes
    /// whenever the key's form does, so entries written under an older form are never
    /// read as this one's: they are recomputed.
    public static func keyText(for stage: EditStage, _ s: EditSettings) -> String {
        "settings v2: " + all.filter { $0.keyed && $0.stages.contains(stage) }.map { $0.keyText(s) }.joined(separator: " ")
    }

    /// The docs' table of settings: key, default, valid values, the first stage a change
    /// reruns and what it does.
    public static var markdownTable: String {
        var lines = ["| key | default | valid values | reruns from | what it does |", "| --- | --- | --- | --- | --- |"]
        let defaults = EditSettings()
        for e in all {
            lines.append("| `\(e.key)` | \(e.display(defaults)) | \(e.expected) | \(e.firstStale.rawValue) | \(e.help) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // Constructors for the common kinds, over a key path of EditSettings.

    static func number(_ key: String, _ label: String, _ path: WritableKeyPath<EditSettings, Double> & Sendable,
                       _ range: ClosedRange<Double>, _ stages: [EditStage], _ step: EditSetting.Step, _ format: String,
                       _ help: String, zeroWord: String? = nil) -> EditSetting {
        EditSetting(key: key, label: label, kind: .number(range), stages: stages, help: help, step: step, format: format,
                    unsetWord: nil, zeroWord: zeroWord, keyed: true,
                    read: { .number($0[keyPath: path]) }, write: { s, v in if case .number(let x) = v { s[keyPath: path] = x } })
    }

    /// A baseline's setting: the baselines run no stage of LayerDiffusion and use no stage
    /// cache, so no cache key holds it.
    static func baseline(_ setting: EditSetting) -> EditSetting {
        var s = setting
        s.keyed = false
        return s
    }

    static func integer(_ key: String, _ label: String, _ path: WritableKeyPath<EditSettings, Int> & Sendable,
                        _ range: ClosedRange<Int>, _ stages: [EditStage], _ step: Int, _ help: String) -> EditSetting {
        EditSetting(key: key, label: label, kind: .integer(range), stages: stages, help: help, step: .add(Double(step), decimals: nil),
                    format: nil, unsetWord: nil, zeroWord: nil, keyed: true,
                    read: { .integer($0[keyPath: path]) }, write: { s, v in if case .integer(let x) = v { s[keyPath: path] = x } })
    }

    static func unsigned(_ key: String, _ label: String, _ path: WritableKeyPath<EditSettings, UInt64> & Sendable,
                         _ stages: [EditStage], _ help: String) -> EditSetting {
        EditSetting(key: key, label: label, kind: .unsigned, stages: stages, help: help, step: .none, format: nil,
                    unsetWord: nil, zeroWord: nil, keyed: true,
                    read: { .unsigned($0[keyPath: path]) },
                    write: { s, v in
                        if case .unsigned(let x) = v { s[keyPath: path] = x } else if case .integer(let x) = v, x >= 0 { s[keyPath: path] = UInt64(x) }
                    })
    }

    static func choice<T: RawRepresentable & CaseIterable & Sendable>(
        _ key: String, _ label: String, _ path: WritableKeyPath<EditSettings, T> & Sendable, _ stages: [EditStage], _ help: String
    ) -> EditSetting where T.RawValue == String {
        EditSetting(key: key, label: label, kind: .choice(T.allCases.map(\.rawValue)), stages: stages, help: help, step: .cycle,
                    format: nil, unsetWord: nil, zeroWord: nil, keyed: true,
                    read: { .choice($0[keyPath: path].rawValue) },
                    write: { s, v in if case .choice(let x) = v, let t = T(rawValue: x) { s[keyPath: path] = t } })
    }
}
