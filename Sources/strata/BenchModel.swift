// `strata bench unet|vae|clip`: one model's forward pass or training step, timed in
// Strata and, when torch is installed, in PyTorch beforehand in a process of its own,
// with each side's peak resident memory.
import ArgumentParser
import Foundation
import StrataModels
import StrataSprites
import StrataTensor
import StrataTraining

enum ModelPreset: String, ExpressibleByArgument, CaseIterable { case sd15, sprites }

/// What both sides measured (`--json` prints it; absent PyTorch figures are null).
struct ModelBenchResult: Encodable {
    var model: String, mode: String
    var strataMs: Double, torchMs: Double?
    var strataPeakMB: Double, torchPeakMB: Double?
    var torchVersion: String?
    var ratio: Double? { torchMs.map { strataMs / $0 } }

    enum CodingKeys: String, CodingKey {
        case model, mode, ratio
        case strataMs = "strata_ms", torchMs = "torch_ms", strataPeakMB = "strata_peak_rss_mb", torchPeakMB = "torch_peak_rss_mb"
        case torchVersion = "torch_version"
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model); try c.encode(mode, forKey: .mode); try c.encode(strataMs, forKey: .strataMs)
        try c.encode(torchMs, forKey: .torchMs); try c.encode(ratio, forKey: .ratio); try c.encode(strataPeakMB, forKey: .strataPeakMB)
        try c.encode(torchPeakMB, forKey: .torchPeakMB); try c.encode(torchVersion, forKey: .torchVersion)
    }

    func print(asJSON: Bool) throws {
        if asJSON {
            try printJSON(self)
            return
        }
        var table = TextTable(["", "time (ms)", "peak RSS (MB)"])
        table.add(["Strata", String(format: "%.1f", strataMs), String(format: "%.0f", strataPeakMB)])
        if let torchMs, let torchPeakMB {
            table.add(["PyTorch \(torchVersion ?? "")", String(format: "%.1f", torchMs), String(format: "%.0f", torchPeakMB)])
            table.add(["Strata / PyTorch", String(format: "%.2f×", strataMs / torchMs), String(format: "%.2f×", strataPeakMB / torchPeakMB)])
        }
        Swift.print("\(model), \(mode)")
        Swift.print(table.render())
    }
}

/// Options every model benchmark shares.
struct ModelBenchOptions: ParsableArguments {
    @Option(help: "A model's built-in shape: sd15 (Stable Diffusion 1.5) or sprites (the built-in model).") var config: ModelPreset?
    @Option(help: "A diffusers model folder, whose component config (and weights) are used instead.") var model: String?
    @Flag(help: "Time one training step (forward, backward, Adam) instead of a forward pass.") var train = false
    @Option(help: "Batch size (default: 2 for a forward pass, the CFG pair; 1 for a training step).") var batch: Int?
    @Option(help: "Timed runs after one warm-up; the median is reported.") var runs = 3
    @Option(help: "Threads for Strata and for PyTorch.") var threads = 2
    @Flag(help: "Skip the PyTorch side even when torch is installed.") var noTorch = false
    @Flag(help: "Print one JSON document.") var json = false

    func validate() throws {
        guard (config == nil) != (model == nil) else { throw ValidationError("give exactly one of --config and --model") }
        guard runs >= 1, threads >= 1 else { throw ValidationError("--runs and --threads must be at least 1") }
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
    }

    var mode: String { train ? "train" : "forward" }
    var batchSize: Int { batch ?? (train ? 1 : 2) }

    /// The component's config.json in --model, decoded.
    func componentConfig<T: Decodable>(_ component: String, as: T.Type) throws -> T {
        let url = URL(fileURLWithPath: model!).appendingPathComponent(component).appendingPathComponent("config.json")
        do { return try JSONDecoder().decode(T.self, from: Data(contentsOf: url)) } catch {
            throw ValidationError("\(url.path): \(error)")
        }
    }

    /// Runs the PyTorch side first (its process exits before Strata allocates anything).
    func torchSide(kind: String, config: [String: JSONValue], extra: [String: JSONValue], log: StderrLog) throws -> (ms: Double, mb: Double, version: String)? {
        guard !noTorch else { return nil }
        guard TorchReference.isAvailable else {
            log.line("PyTorch is not installed (python3 -c 'import torch' failed): Strata's side only")
            return nil
        }
        var request: [String: JSONValue] = ["kind": .string(kind), "mode": .string(mode), "batch": .int(batchSize), "runs": .int(runs),
                                            "threads": .int(threads), "config": .object(config)]
        request.merge(extra) { _, new in new }
        let arg = String(decoding: try JSONValue.object(request).data(pretty: false), as: UTF8.self)
        log.line("PyTorch side: \(kind) \(mode), batch \(batchSize), \(threads) threads …")
        let p = Process(), out = Pipe(), err = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", try TorchScripts.model, arg]
        p.standardOutput = out; p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let obj = try? JSONValue(data: Data(line.utf8)),
              let ms = obj["ms"]?.doubleValue, let mb = obj["peak_rss_mb"]?.doubleValue else {
            let tail = String(decoding: errors, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: " ")
            throw BenchError.torchFailed(tail)
        }
        return (ms, mb, obj["torch_version"]?.stringValue ?? "?")
    }

    /// Strata's side: a warm-up, then the median of `runs` runs of `work`.
    func strataSide(_ work: () -> Void) -> (ms: Double, mb: Double) {
        Engine.threads = threads
        work()
        var times: [Double] = []
        for _ in 0..<runs {
            let t0 = DispatchTime.now().uptimeNanoseconds
            work()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return (Timing.median(of: times), PeakMemory.residentMB)
    }
}

enum PeakMemory {
    /// This process's peak resident set so far, in MB (getrusage's ru_maxrss, KB on Linux).
    static var residentMB: Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_maxrss) / 1024
    }
}

/// A training step: forward, a mean squared error against zeros, backward with each
/// parameter's Adam update applied as its gradient completes.
func trainingStep(_ parameters: [Tensor], optimiser: Adam, _ forward: () -> Tensor) {
    optimiser.beginStep()
    let out = forward()
    let loss = out.maskedMSE(Tensor(zeros: out.shape), mask: nil)
    loss.backward()
    _ = parameters
}

struct BenchUNet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unet",
        abstract: "Time a UNet forward pass (batch 2) or training step (batch 1), beside PyTorch.")
    @OptionGroup var options: ModelBenchOptions
    @Option(help: "Latent side (64 for 512×512 images with SD 1.5).") var latent: Int?
    @Flag(help: "Train without gradient checkpointing.") var noCheckpointing = false

    func run() throws { try measure().print(asJSON: options.json) }

    func measure() throws -> ModelBenchResult {
        let log = StderrLog(quiet: false)
        var config: UNetConfig
        switch options.config {
        case .sd15: config = UNetConfig()
        case .sprites: config = SpriteModelRecipe.unet
        case nil: config = try options.componentConfig("unet", as: UNetConfig.self)
        }
        let side = latent ?? config.sampleSize
        let name = options.config.map { "unet-\($0.rawValue)" } ?? "unet(\(URL(fileURLWithPath: options.model!).lastPathComponent))"
        let checkpointing = options.train && !noCheckpointing
        var torchConfig = try JSONValue(encoding: config).objectValue ?? [:]
        torchConfig["attention_head_dim"] = try JSONValue(encoding: config.attentionHeads)
        torchConfig["sample_size"] = .int(side)
        let torch = try options.torchSide(kind: "unet", config: torchConfig,
                                          extra: ["latent": .int(side), "checkpointing": .bool(checkpointing)], log: log)
        log.line("Strata side: \(name) \(options.mode), batch \(options.batchSize), latent \(side)×\(side) …")
        let weights: WeightStore = options.model.map { try? WeightStore(path: WeightStore.file(in: URL(fileURLWithPath: $0).appendingPathComponent("unet"), named: "diffusion_pytorch_model").path) }?.flatMap { $0 } ?? .initialized(seed: 0)
        let unet = try UNet2DConditionModel(config: config, weights: weights)
        let b = options.batchSize
        var rng = StrataRandom(seed: 1)
        let x = Tensor.randn([b, config.inChannels, side, side], using: &rng)
        let t = Tensor(repeating: 999, shape: [b])
        let ctx = Tensor.randn([b, 77, config.crossAttentionDim], using: &rng)
        let strata: (ms: Double, mb: Double)
        if options.train {
            unet.gradientCheckpointing = checkpointing
            let params = unet.parameters.tensors.map { $0.tensor.requiringGrad() }
            let adam = Adam(params, learningRate: 1e-5)
            adam.updateDuringBackward()
            strata = options.strataSide { trainingStep(params, optimiser: adam) { unet(x, timesteps: t, context: ctx) } }
        } else {
            strata = options.strataSide { _ = GradMode.disabled { unet(x, timesteps: t, context: ctx) } }
        }
        return ModelBenchResult(model: name, mode: options.mode, strataMs: strata.ms, torchMs: torch?.ms,
                                strataPeakMB: strata.mb, torchPeakMB: torch?.mb, torchVersion: torch?.version)
    }
}

struct BenchVAE: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Time a VAE decode (forward) or an encode-decode training step, beside PyTorch.")
    @OptionGroup var options: ModelBenchOptions
    @Option(help: "Image side in pixels (default: the config's sample size).") var size: Int?
    @Option(help: "The component folder of --model (layered_vae for a layered model).") var component = "vae"

    func run() throws { try measure().print(asJSON: options.json) }

    func measure() throws -> ModelBenchResult {
        let log = StderrLog(quiet: false)
        var config: VAEConfig
        switch options.config {
        case .sd15: config = VAEConfig()
        case .sprites: config = SpriteModelRecipe.vae
        case nil: config = try options.componentConfig(component, as: VAEConfig.self)
        }
        let side = size ?? config.sampleSize
        let name = options.config.map { "vae-\($0.rawValue)" } ?? "\(component)(\(URL(fileURLWithPath: options.model!).lastPathComponent))"
        var torchConfig = try JSONValue(encoding: config).objectValue ?? [:]
        let n = config.blockOutChannels.count
        torchConfig["down_block_types"] = .array(Array(repeating: "DownEncoderBlock2D", count: n))
        torchConfig["up_block_types"] = .array(Array(repeating: "UpDecoderBlock2D", count: n))
        torchConfig["sample_size"] = .int(side)
        let torch = try options.torchSide(kind: "vae", config: torchConfig, extra: ["size": .int(side)], log: log)
        log.line("Strata side: \(name) \(options.mode), batch \(options.batchSize), \(side)×\(side) …")
        let vae = try AutoencoderKL(config: config, weights: .initialized(seed: 0))
        let b = options.batchSize, f = 1 << (n - 1)
        var rng = StrataRandom(seed: 1)
        let strata: (ms: Double, mb: Double)
        if options.train {
            let image = Tensor.randn([b, config.inChannels, side, side], using: &rng)
            let params = vae.parameters.tensors.map { $0.tensor.requiringGrad() }
            let adam = Adam(params, learningRate: 1e-5)
            adam.updateDuringBackward()
            strata = options.strataSide {
                trainingStep(params, optimiser: adam) {
                    var r = StrataRandom(seed: 2)
                    let (mean, logVar) = vae.encodeMoments(image)
                    return vae.decode((mean + (logVar * 0.5).exp() * Tensor.randn(mean.shape, using: &r)) * Float(config.scalingFactor))
                }
            }
        } else {
            let z = Tensor.randn([b, config.latentChannels, side / f, side / f], using: &rng)
            strata = options.strataSide { _ = GradMode.disabled { vae.decode(z * Float(config.scalingFactor)) } }
        }
        return ModelBenchResult(model: name, mode: options.mode, strataMs: strata.ms, torchMs: torch?.ms,
                                strataPeakMB: strata.mb, torchPeakMB: torch?.mb, torchVersion: torch?.version)
    }
}

struct BenchCLIP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clip",
        abstract: "Time the CLIP text encoder on 77 tokens (forward or training step), beside PyTorch.")
    @OptionGroup var options: ModelBenchOptions

    func run() throws {
        let log = StderrLog(quiet: false)
        var config: CLIPTextConfig
        switch options.config {
        case .sd15: config = CLIPTextConfig()
        case .sprites: config = SpriteModelRecipe.textEncoder
        case nil: config = try options.componentConfig("text_encoder", as: CLIPTextConfig.self)
        }
        let name = options.config.map { "clip-\($0.rawValue)" } ?? "clip(\(URL(fileURLWithPath: options.model!).lastPathComponent))"
        let torch = try options.torchSide(kind: "clip", config: try JSONValue(encoding: config).objectValue ?? [:], extra: [:], log: log)
        log.line("Strata side: \(name) \(options.mode), batch \(options.batchSize) …")
        let text = try CLIPTextModel(config: config, weights: .initialized(seed: 0))
        var rng = StrataRandom(seed: 1)
        let ids = (0..<options.batchSize).map { _ in (0..<77).map { _ in rng.nextInt(below: config.vocabSize) } }
        let strata: (ms: Double, mb: Double)
        if options.train {
            let params = text.parameters.tensors.map { $0.tensor.requiringGrad() }
            let adam = Adam(params, learningRate: 1e-5)
            adam.updateDuringBackward()
            strata = options.strataSide { trainingStep(params, optimiser: adam) { text(ids) } }
        } else {
            strata = options.strataSide { _ = GradMode.disabled { text(ids) } }
        }
        try ModelBenchResult(model: name, mode: options.mode, strataMs: strata.ms, torchMs: torch?.ms,
                             strataPeakMB: strata.mb, torchPeakMB: torch?.mb, torchVersion: torch?.version).print(asJSON: options.json)
    }
}

struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Run a whole text-to-image generation (text encoder, sampling with CFG, VAE decode) on fresh weights: time per step and peak memory.")
    @Option(help: "Model shape: sd15 or sprites.") var config: ModelPreset = .sd15
    @Option(help: "Image side in pixels (default: 512 for sd15, 64 for sprites).") var size: Int?
    @Option(help: "Sampling steps.") var steps = 3
    @Option(help: "Threads.") var threads = 2
    @Flag(help: "Print one JSON document.") var json = false

    /// What `--json` prints.
    struct Report: Encodable {
        let model: String
        let size: Int, steps: Int
        let totalMs: Double, stepMs: Double, peakRSSMB: Double
        enum CodingKeys: String, CodingKey { case model, size, steps, totalMs = "total_ms", stepMs = "step_ms", peakRSSMB = "peak_rss_mb" }
    }

    func run() throws {
        Engine.threads = threads
        let log = StderrLog(quiet: false)
        let tokenizer = try CLIPTokenizer(folder: StrataAssets.directory().appendingPathComponent("clip-tokenizer"))
        let (u, v, t) = config == .sd15 ? (UNetConfig(), VAEConfig(), CLIPTextConfig())
            : (SpriteModelRecipe.unet, SpriteModelRecipe.vae, SpriteModelRecipe.textEncoder)
        let model = StableDiffusionModel(tokenizer: tokenizer,
                                         textEncoder: try CLIPTextModel(config: t, weights: .initialized(seed: 0)),
                                         unet: try UNet2DConditionModel(config: u, weights: .initialized(seed: 1)),
                                         vae: try AutoencoderKL(config: v, weights: .initialized(seed: 2)),
                                         schedulerConfig: SpriteModelRecipe.scheduler)
        let side = size ?? (config == .sd15 ? 512 : 64)
        var s = TextToImageSettings(prompt: "a dog jumping in a forest", width: side, height: side)
        s.steps = steps; s.negativePrompt = "blurry"
        log.line("whole text-to-image, \(config.rawValue) shape, \(side)×\(side), \(steps) DDIM steps with CFG …")
        var rng = StrataRandom(seed: 3)
        var stepTimes: [Double] = []
        var last = DispatchTime.now().uptimeNanoseconds
        let start = last
        _ = try TextToImage(model: model).run(s, rng: &rng) { _, _ in
            let now = DispatchTime.now().uptimeNanoseconds
            stepTimes.append(Double(now - last) / 1e6); last = now
            return true
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        if json {
            try printJSON(Report(model: "generate-\(config.rawValue)", size: side, steps: steps, totalMs: total,
                                 stepMs: Timing.median(of: stepTimes), peakRSSMB: PeakMemory.residentMB))
        } else {
            print(String(format: "%@ %d×%d: %.0f ms in all, %.0f ms a sampling step (median), peak RSS %.0f MB",
                         config.rawValue, side, side, total, Timing.median(of: stepTimes), PeakMemory.residentMB))
        }
    }
}
