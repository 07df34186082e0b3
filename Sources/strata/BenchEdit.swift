import ArgumentParser
import Foundation
import StrataEdit
import StrataModels
import StrataSprites
import StrataTensor
import StrataTraining

struct BenchEdit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Time a whole LayerDiffusion edit (default settings, 4 seeds) on the bundled example; with --measure-steps, time that many steps of each stage and project the whole edit.")
    @Option(help: "A model folder (default: the built-in model); or --config for fresh weights of a model shape.") var model: String?
    @Option(help: "Fresh weights of a model shape: sd15 or sprites.") var config: ModelPreset?
    @Option(help: "Image side for --config (default 512 for sd15, 64 for sprites).") var size: Int?
    @Option(help: "Fine-tuning mode.") var finetune: FineTuneMode = .full
    @Option(help: "quick or full (see strata edit --help).") var preset: EditPreset = .full
    @Option(help: "Time this many steps of each stage and project the default step counts (default: run them all).") var measureSteps: Int?
    @Option(help: "Threads.") var threads = 2
    @Flag(help: "Print one JSON document.") var json = false

    /// What `--json` prints.
    struct Report: Encodable {
        let totalS: Double
        let stages: [String: Double], stepS: [String: Double]
        let peakRSSMB: Double, estimatedPeakMB: Double
        let preset: String
        let projected: Bool
        let estimatedS: Double
        let estimatedStages: [String: Double]
        enum CodingKeys: String, CodingKey {
            case stages, preset, projected
            case totalS = "total_s", stepS = "step_s", peakRSSMB = "peak_rss_mb", estimatedPeakMB = "estimated_peak_mb"
            case estimatedS = "estimated_s", estimatedStages = "estimated_stages"
        }
    }

    func run() throws {
        Engine.threads = threads
        let log = StderrLog(quiet: false)
        let sd: StableDiffusionModel
        var defaults = EditSettings()
        if let config {
            let tokenizer = try CLIPTokenizer(folder: StrataAssets.directory().appendingPathComponent("clip-tokenizer"))
            let (u, v, t) = config == .sd15 ? (UNetConfig(), VAEConfig(), CLIPTextConfig())
                : (SpriteModelRecipe.unet, SpriteModelRecipe.vae, SpriteModelRecipe.textEncoder)
            sd = StableDiffusionModel(tokenizer: tokenizer, textEncoder: try CLIPTextModel(config: t, weights: .initialized(seed: 0)),
                                      unet: try UNet2DConditionModel(config: u, weights: .initialized(seed: 1)),
                                      vae: try AutoencoderKL(config: v, weights: .initialized(seed: 2)), schedulerConfig: SpriteModelRecipe.scheduler)
        } else {
            let loaded = try loadModel(model)
            sd = loaded.model
            defaults = try editDefaults(folder: loaded.folder, preset: .full)
        }
        defaults = preset.apply(to: defaults)
        defaults.finetuneMode = finetune
        let side = size ?? (config == .sd15 ? 512 : sd.vae.config.sampleSize)
        let example = try StrataAssets.example()
        let source = try ImageFiles.load(example.appendingPathComponent("blue-dog-meadow.png").path, side: side).image
        let mask = try ImageFiles.loadMask(example.appendingPathComponent("blue-dog-meadow.mask.png").path, side: side).mask
        let inputs = EditInputs(source: source, subjectMask: mask, subjectText: "a dog jumping", backgroundText: "in a forest")
        var s = defaults
        s.finetuneMode = finetune
        var reference = LayerDiffusionEdit.referenceSteps
        if let k = measureSteps {
            s.embeddingSteps = min(k, s.embeddingSteps); s.finetuneSteps = min(k, s.finetuneSteps)
            s.samplingSteps = min(k, s.samplingSteps); s.seeds = [s.seeds[0]]; reference = min(k, LayerDiffusionEdit.referenceSteps)
        }
        let counts: [EditStage: (run: Int, full: Int)] = [
            .reference: (reference, LayerDiffusionEdit.referenceSteps), .optimise: (s.embeddingSteps, defaults.embeddingSteps),
            .finetune: (s.finetuneSteps, defaults.finetuneSteps), .sample: (s.samplingSteps * s.seeds.count, defaults.samplingSteps * defaults.seeds.count)]
        log.line("edit on \(side)×\(side), fine-tuning \(finetune.rawValue), \(measureSteps.map { "\($0) steps a stage, projected" } ?? "every step") …")
        var stepTimes: [EditStage: [Double]] = [:]
        var last = DispatchTime.now().uptimeNanoseconds
        var stage: EditStage?, lastStep = 0
        let edit = LayerDiffusionEdit(model: try EditModel(sd), modelHash: "bench")
        let estimate = MemoryEstimate.edit(model: edit.model, settings: defaults, side: side)
        let time = EditTimeEstimate.measure(model: edit.model, settings: defaults, side: side)
        let started = Date()
        _ = try edit.run(inputs, settings: s) { p in
            let now = DispatchTime.now().uptimeNanoseconds
            // Seeds sampled together advance several steps per report.
            if p.stage == stage, p.step > lastStep {
                stepTimes[p.stage, default: []].append(Double(now - last) / 1e9 / Double(p.step - lastStep))
            }
            stage = p.stage; last = now; lastStep = p.step
            log.progress(p.stage.rawValue, p.step, p.total, "")
            return true
        }
        log.clearProgress()
        let measured = Date().timeIntervalSince(started)
        // Per stage: median step time × the default step count.
        var stages: [String: Double] = [:], perStep: [String: Double] = [:]
        for (st, c) in counts {
            let t = stepTimes[st].map { Timing.median(of: $0) } ?? 0
            perStep[st.rawValue] = t
            stages[st.rawValue] = t * Double(c.full)
        }
        let total = measureSteps == nil ? measured : stages.values.reduce(0, +)
        let report = Report(totalS: total, stages: stages, stepS: perStep, peakRSSMB: PeakMemory.residentMB,
                            estimatedPeakMB: Double(estimate.peakBytes) / 1e6, preset: preset.rawValue, projected: measureSteps != nil,
                            estimatedS: time.total, estimatedStages: Dictionary(uniqueKeysWithValues: time.seconds.map { ($0.key.rawValue, $0.value) }))
        if json {
            try printJSON(report)
        } else {
            for st in EditStage.allCases {
                print(String(format: "%-10@ %8.3f s a step, %8.1f s for %d steps", st.rawValue, perStep[st.rawValue]!, stages[st.rawValue]!, counts[st]!.full))
            }
            print(String(format: "whole edit %@ (%@ preset): %.1f s; peak RSS %.0f MB (estimated before the start: %.0f MB)",
                         measureSteps == nil ? "measured" : "projected", preset.rawValue, total, PeakMemory.residentMB, Double(estimate.peakBytes) / 1e6))
            print("estimated before the start, from one timed UNet pass: \(time.description)")
        }
    }
}
