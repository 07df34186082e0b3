// Presets: `full` is the settings as given (the paper's step counts by default); `quick`
// is for the live preview of the terminal editor, a tenth of the training steps at five
// times the learning rates, 20 sampling steps and the first two seeds, so a change shows
// within seconds on the built-in model. What quick costs in success is measured by
// `strata eval edit --preset quick` (docs/results.md).

public enum EditPreset: String, Codable, CaseIterable, Sendable {
    case quick, full

    public func apply(to settings: EditSettings) -> EditSettings {
        guard self == .quick else { return settings }
        var s = settings
        s.embeddingSteps = (s.embeddingSteps + 9) / 10
        s.finetuneSteps = (s.finetuneSteps + 9) / 10
        s.embeddingLR *= 5
        s.finetuneLR *= 5
        s.samplingSteps = min(s.samplingSteps, 20)
        s.seeds = Array(s.seeds.prefix(2))
        return s
    }
}
