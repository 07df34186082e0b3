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

    /// Times one UNet pass at batch 2 on latents of `side / factor` (the best of three
    /// for small models, whose first pass is mostly setting up).
    public static func measure(model: EditModel, settings: EditSettings, side: Int) -> EditTimeEstimate {
        let sd = model.model, s = settings.effective
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
        let checkpointing = latentSide >= 32
        let together = IterativeGuidance(s).samplesTogether(s.seeds, latentSide: latentSide)
        let steps: [EditStage: Int] = [
            .reference: LayerDiffusionEdit.referenceSteps, .optimise: s.embeddingSteps,
            .finetune: s.finetuneSteps, .sample: s.samplingSteps * s.seeds.count,
        ]
        var seconds: [EditStage: Double] = [:]
        for (stage, n) in steps {
            seconds[stage] = Double(n) * best * passesPerStep(stage, checkpointing: checkpointing, mode: s.finetuneMode, together: together)
        }
        return EditTimeEstimate(seconds: seconds, passSeconds: best)
    }

    /// The same estimate for a job that runs only `stage` and the stages after it (the
    /// earlier ones are in the stage cache).
    public func from(_ stage: EditStage) -> EditTimeEstimate {
        let first = EditStage.allCases.firstIndex(of: stage)!
        var e = self
        for s in EditStage.allCases.prefix(first) { e.seconds[s] = nil }
        return e
    }

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
