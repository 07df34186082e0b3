// Presets: `full` is the settings as given (the paper's step counts by default); `quick`
// is for the live preview of the terminal editor, a tenth of the training steps at five
// times the learning rates (at least 40 embedding steps, or all there are: on the
// built-in model 40 drew as well as 50, success 35.0% on the same 200 results, 35 and 30
// cost 2 points, and 25 drew the asked scene far less often, 20.7% against 36.2% on 58
// results), 20 sampling steps and the first two seeds, so a change shows
// within seconds on the built-in model, with the noise weighting of the losses capped at
// 5 (at five times the rate, the built-in model's 20 drew the asked scene far less often:
// success 14.0% against 20.0% at 5 on 100 edits), and without identity guidance (after
// quick's short fine-tuning it drew the asked scene far less often on the built-in
// model: prompt −17.0 ± 3.8 points, success −2.0 ± 3.7, on 200 results). What quick
// costs in success is measured by `strata eval edit --preset quick` (docs/results.md).

public enum EditPreset: String, Codable, CaseIterable, Sendable {
    case quick, full

    static let quickNoiseWeightCap = 5.0
    static let quickLeastEmbeddingSteps = 40

    public func apply(to settings: EditSettings) -> EditSettings {
        guard self == .quick else { return settings }
        var s = settings
        s.embeddingSteps = max((s.embeddingSteps + 9) / 10, min(s.embeddingSteps, Self.quickLeastEmbeddingSteps))
        s.imagicEmbeddingSteps = max((s.imagicEmbeddingSteps + 9) / 10, min(s.imagicEmbeddingSteps, Self.quickLeastEmbeddingSteps))
        s.finetuneSteps = (s.finetuneSteps + 9) / 10
        s.embeddingLR *= 5
        s.mixEmbeddingLR *= 5
        s.finetuneLR *= 5
        s.imagicFinetuneLR *= 5
        s.objectNoiseWeight = min(s.objectNoiseWeight, Self.quickNoiseWeightCap)
        s.backgroundNoiseWeight = min(s.backgroundNoiseWeight, Self.quickNoiseWeightCap)
        s.samplingSteps = min(s.samplingSteps, 20)
        s.seeds = Array(s.seeds.prefix(2))
        s.identityGuidance = 0
        return s
    }
}
