import ArgumentParser
import Foundation
import StrataModels
import StrataTensor

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Text-to-image with a Stable Diffusion 1.x model folder (diffusers layout).")

    enum RNGChoice: String, ExpressibleByArgument { case torch, strata }

    @Option(help: "A diffusers model folder (model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/); default: the built-in model.") var model: String?
    @Option(help: "What the image should show.") var prompt: String
    @Option(help: "What it should not show.") var negative = ""
    @Option(help: "Sampling steps.") var steps = 50
    @Option(help: "Classifier-free guidance scale.") var cfg = 7.5
    @Option(help: "Share of the steps, noisiest first, run without guidance (default: the model's own, from its strata_generate.json, else 0).") var guidanceStart: Double?
    @Option(help: "Seed of the initial noise.") var seed: UInt64 = 0
    @Option(help: "Sampler: \(SchedulerKind.allCases.map(\.rawValue).joined(separator: ", ")).") var scheduler = "ddim"
    @Option(help: "Noise generator: torch (the same noise as diffusers with a CPU generator) or strata.") var rng: RNGChoice = .torch
    @Option(help: "Image width in pixels.") var width: Int?
    @Option(help: "Image height in pixels.") var height: Int?
    @Option(help: "Output PNG file.") var out: String
    @OptionGroup var engine: ThreadOptions
    @OptionGroup var output: OutputOptions

    /// What `--json` prints.
    struct Summary: Codable {
        let out: String
        let seconds: Double
        /// The PNG's A1111-style `parameters` text.
        let parameters: String
    }

    func validate() throws {
        guard SchedulerKind(rawValue: scheduler) != nil else {
            throw ValidationError("--scheduler must be one of \(SchedulerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard steps >= 1 && steps <= 1000 else { throw ValidationError("--steps must be between 1 and 1000") }
        guard cfg.isFinite, cfg >= 0, cfg <= 50 else { throw ValidationError("--cfg must be a number from 0 to 50") }
        guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--prompt is empty") }
        guard out.lowercased().hasSuffix(".png") else { throw ValidationError("--out must name a .png file") }
    }

    func run() throws {
        engine.apply()
        let log = output.makeLog()
        let started = Date()
        let (sd, folder) = try loadModel(model)
        let native = sd.vae.config.sampleSize
        var s = TextToImageSettings(prompt: prompt, width: width ?? native, height: height ?? native)
        s.negativePrompt = negative; s.steps = steps; s.guidanceScale = cfg; s.seed = seed
        s.guidanceStart = try resolvedGuidanceStart(guidanceStart, folder: folder)
        s.scheduler = SchedulerKind(rawValue: scheduler)!
        let firstGuided = GuidedSampler.firstGuidedStep(s.guidanceStart, steps: s.steps)
        log.line(String(format: "model loaded in %.1f s; %d×%d, %d steps of %@", Date().timeIntervalSince(started), s.width, s.height, s.steps, s.scheduler.displayName)
                 + (firstGuided == 0 ? "" : ", guided from step \(firstGuided + 1) (guidance start \(s.guidanceStart))"))
        let t0 = Date()
        StopRequest.install(message: "stopping after this step …")
        let progress: (Int, Int) -> Bool = { step, total in
            log.progress("sampling", step, total)
            return !StopRequest.isRequested
        }
        let image: Tensor
        do {
        switch rng {
        case .torch:
            var r = TorchRandom(seed: seed)
            image = try TextToImage(model: sd).run(s, rng: &r, progress: progress)
        case .strata:
            var r = StrataRandom(seed: seed)
            image = try TextToImage(model: sd).run(s, rng: &r, progress: progress)
        }
        } catch {
            log.clearProgress()
            throw failure(error)
        }
        log.clearProgress()
        let hash = modelHash(folder)
        let text = Infotext.parameters(s, modelHash: hash, modelName: folder.lastPathComponent, rng: rng.rawValue)
        try PNGImage.write(out, width: s.width, height: s.height, channels: 3, pixels: PNGImage.rgbBytes(image), text: [("parameters", text)])
        let seconds = Date().timeIntervalSince(t0)
        log.line(String(format: "wrote %@ (%.1f s)", out, seconds))
        if output.json { try printJSON(Summary(out: out, seconds: seconds, parameters: text)) }
    }
}
