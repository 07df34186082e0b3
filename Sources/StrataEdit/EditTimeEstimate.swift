// How long an edit will take, stated before it starts (method.md: "the job states its
// expected duration"). One UNet pass at batch 2 (the guidance pair) is timed on this
// machine and multiplied by each stage's steps and its cost per step in such passes,
// measured with `strata bench edit` (docs/performance.md): on the built-in model 12, 28,
// 40 and 9 ms a step against a 12 ms pass; on Stable Diffusion 1.5 at 512×512 with LoRA
// and gradient checkpointing, in passes, 3.2, 3.4 and 1.05 in one run and 4.4, 4.1 and
// 1.14 in another (two steps a stage each): their means are taken.
import Foundation
import StrataModels
import StrataTensor

public struct EditTimeEstimate: Sendable {
    /// Seconds per stage, every stage run from scratch.
    public var seconds: [EditStage: Double]
    /// The timed UNet pass at batch 2.
    public var passSeconds: Double

    public var total: Double { seconds.values.reduce(0, +) }

    /// A step's cost in UNet passes at batch 2: stage 1 adds the backward pass to the
    /// embeddings, stage 2 the weights' gradients and Adam, checkpointing one more
    /// forward pass; seeds sampled together share each pass's fixed costs.
    static func passesPerStep(_ stage: EditStage, checkpointing: Bool, mode: FineTuneMode, together: Bool) -> Double {
        switch stage {
        case .reference: return 1
        case .optimise: return checkpointing ? 3.8 : 2.3
        case .finetune: return checkpointing ? 3.7 : (mode == .full ? 3.3 : 2.6)
        case .sample: return together ? 0.75 : 1.1
        }
    }

    /// Stage 1's cost with a second subject embedding (a UNet call at batch 3, not 2):
    /// 1.42 and 1.21 times stage 1's time without it, in two back-to-back pairs of runs on
    /// the built-in example, one thread each.
    static let mixEmbeddingCost = 1.3

    /// Sampling's cost with identity guidance: one more UNet pass, on the latents alone
    /// beside the pass on both texts, at every other step (every step without iterative
    /// guidance's alternation). Measured 1.30 and 1.64 times stage 3's time on the
    /// built-in example, four seeds together, two threads: the extra pass, at half the
    /// batch, costs more than half a guided one.
    static func identityGuidanceCost(_ s: EditSettings) -> Double {
        s.identityGuidance > 0 && s.finetuneSteps > 0 ? (s.ablation == .noIterativeGuidance ? 1.8 : 1.4) : 1
    }

    /// Times one UNet pass at batch 2 on latents of `side / factor` (the best of three
    /// for small models, whose first pass is mostly setting up).
    public static func timePass(model: EditModel, side: Int) -> Double {
        let sd = model.model
        let latentSide = side / model.factor
        let x = Tensor(zeros: [2, sd.unet.config.inChannels, latentSide, latentSide])
        let context = Tensor.concat([model.text(""), model.text("")], axis: 0)
        let t = Tensor([500, 500], shape: [2])
        var best = Double.infinity
        for _ in 0..<3 {
            let t0 = Date()
            _ = GradMode.disabled { sd.unet(x, timesteps: t, context: context) }
            best = min(best, Date().timeIntervalSince(t0))
            if best > 1 { break }
        }
        return best
    }

    /// Each stage's seconds for `settings`, from a pass timed by `timePass`.
    public init(passSeconds: Double, model: EditModel, settings: EditSettings, side: Int) {
        let s = settings.effective
        let latentSide = side / model.factor
        let checkpointing = latentSide >= 32
        let together = IterativeGuidance(s).samplesTogether(s.seeds, latentSide: latentSide)
        let steps: [EditStage: Int] = [
            .reference: LayerDiffusionEdit.referenceSteps, .optimise: s.embeddingSteps,
            .finetune: s.finetuneSteps, .sample: s.samplingSteps * s.seeds.count,
        ]
        var seconds: [EditStage: Double] = [:]
        for (stage, n) in steps {
            seconds[stage] = Double(n) * passSeconds * Self.passesPerStep(stage, checkpointing: checkpointing, mode: s.finetuneMode, together: together)
                * (stage == .optimise && s.mixEmbeddingLR > 0 ? Self.mixEmbeddingCost : 1)
                * (stage == .sample ? Self.identityGuidanceCost(s) : 1)
        }
        self.init(seconds: seconds, passSeconds: passSeconds)
    }

    public init(seconds: [EditStage: Double], passSeconds: Double) {
        self.seconds = seconds; self.passSeconds = passSeconds
    }

    public static func measure(model: EditModel, settings: EditSettings, side: Int) -> EditTimeEstimate {
        EditTimeEstimate(passSeconds: timePass(model: model, side: side), model: model, settings: settings, side: side)
    }

    /// The expected duration of `edit.run(inputs, settings:)`: a cache-only run finds the
    /// first stage missing from the stage cache, and the stages before it are left out
    /// (so are those before `from`); nil when none is left. The pass is timed unless given.
    public static func forRun(_ edit: LayerDiffusionEdit, _ inputs: EditInputs, settings: EditSettings,
                              from: EditStage = .reference, passSeconds: Double? = nil) -> EditTimeEstimate? {
        var firstToRun = EditStage.reference
        do { _ = try edit.run(inputs, settings: settings, cachedOnly: true); return nil } catch EditError.notCached(let stage) {
            firstToRun = stage
        } catch {}
        let side = inputs.source.shape[3]
        let pass = passSeconds ?? timePass(model: edit.model, side: side)
        let all = EditStage.allCases
        return EditTimeEstimate(passSeconds: pass, model: edit.model, settings: settings, side: side)
            .from(all[max(all.firstIndex(of: firstToRun)!, all.firstIndex(of: from)!)])
    }

    /// Two jobs run one after the other (a sweep's runs): each stage's seconds added.
    public func adding(_ other: EditTimeEstimate) -> EditTimeEstimate {
        EditTimeEstimate(seconds: seconds.merging(other.seconds, uniquingKeysWith: +), passSeconds: passSeconds)
    }

    /// The expected duration of `runs` one after the other (a sweep), the pass timed once.
    /// The runs after the first share with it the stages before `sweptFrom`, the first
    /// stage the swept setting changes; nil when every stage of every run is cached.
    public static func forRuns(_ edit: LayerDiffusionEdit, _ inputs: EditInputs, runs: [EditSettings],
                               sweptFrom: EditStage? = nil) -> EditTimeEstimate? {
        let pass = timePass(model: edit.model, side: inputs.source.shape[3])
        var total: EditTimeEstimate?
        for (i, settings) in runs.enumerated() {
            let from = i == 0 ? EditStage.reference : sweptFrom ?? .reference
            guard let e = forRun(edit, inputs, settings: settings, from: from, passSeconds: pass) else { continue }
            total = total?.adding(e) ?? e
        }
        return total
    }

    /// `forRuns`' statement, or that every stage is in the stage cache.
    public static func statement(_ edit: LayerDiffusionEdit, _ inputs: EditInputs, runs: [EditSettings], sweptFrom: EditStage? = nil) -> String {
        forRuns(edit, inputs, runs: runs, sweptFrom: sweptFrom)?.statement ?? "every stage is in the stage cache"
    }

    /// "expected duration: about 2.2 s (sample 2.2 s); reference, optimise, finetune from
    /// the stage cache", as `strata edit` and the editor state it.
    public var statement: String {
        let cached = EditStage.allCases.prefix(while: { seconds[$0] == nil }).map(\.rawValue)
        return "expected duration: \(description)" + (cached.isEmpty ? "" : "; \(cached.joined(separator: ", ")) from the stage cache")
    }

    /// The same estimate for a job that runs only `stage` and the stages after it (the
    /// earlier ones are in the stage cache).
    public func from(_ stage: EditStage) -> EditTimeEstimate {
        let first = EditStage.allCases.firstIndex(of: stage)!
        var e = self
        for s in EditStage.allCases.prefix(first) { e.seconds[s] = nil }
        return e
    }

    /// "about 21 s", for a status line.
    public var brief: String { "about \(Self.duration(total))" }

    /// "about 21 s (reference 0.6 s, optimise 7.0 s, finetune 9.9 s, sample 2.2 s)", the
    /// stages that run only.
    public var description: String {
        let parts = EditStage.allCases.compactMap { s in seconds[s].map { "\(s.rawValue) \(Self.duration($0))" } }
        return "about \(Self.duration(total)) (" + parts.joined(separator: ", ") + ")"
    }

    static func duration(_ s: Double) -> String {
        if s < 10 { return String(format: "%.1f s", s) }
        if s < 120 { return String(format: "%.0f s", s) }
        if s < 7200 { return String(format: "%.0f min", s / 60) }
        return String(format: "%.1f h", s / 3600)
    }
}
