// Trains the layered autoencoder (Text2Layer's CaT2I-AE) on sprite-world layers drawn on
// the fly. Loss: mean squared error of each head against its layer (F and m weighted
// ×`spriteWeight` where the layer is opaque, as the built-in VAE weights the subject),
// plus `compositeWeight` × the auxiliary composite head's error (0: no auxiliary head,
// the paper's ablation), plus a small KL term towards N(0, 1); Adam.
import Foundation
import StrataLayers
import StrataModels
import StrataSprites
import StrataTensor

public struct LayeredAutoencoderSettings: Codable {
    public var steps = 40_000
    public var batch = 16
    public var learningRate: Float = 5e-4
    public var warmupSteps = 200
    public var decaySteps = 0
    public var spriteWeight: Float = 10
    /// Weight of the auxiliary composite head's loss; 0 trains without the head.
    public var compositeWeight: Float = 1
    public var klWeight: Float = 1e-6
    public var latentChannels = 8
    public var blockOutChannels = [64, 128, 128]
    public var saveEvery = 250
    public var logEvery = 25
    public var seed: UInt64 = 5
    public var freezeEncoder = false
    /// Clip the gradients' joint norm to this (0: no clipping). Unclipped at 5e-4, the
    /// norm (usually 0.6–1.1) grew over twenty steps to 33 and the loss from 0.07 to 1.9.
    public var maxGradientNorm: Float = 1
    public init() {}
}

public final class LayeredAutoencoderTrainer {
    public let model: LayeredAutoencoder
    public let settings: LayeredAutoencoderSettings
    let run: TrainingRun
    let renderer: SceneRenderer

    /// The run folder's architecture: written when the run starts, read when it resumes,
    /// so a resumed run keeps its shape whatever the defaults have become.
    static func configURL(_ folder: URL) -> URL { folder.appendingPathComponent("config.json") }

    /// `start` is an exported layered_vae/ folder and the step it was trained to, for a
    /// new run that goes on from it (a machine without the run folder); the auxiliary
    /// head, which exports leave out, starts fresh.
    public init(folder: URL, settings: LayeredAutoencoderSettings, renderer: SceneRenderer, start: (folder: URL, step: Int)? = nil) throws {
        self.settings = settings
        self.renderer = renderer
        let saved = TrainingState(folder: folder)
        let resuming = saved.exists
        let config: VAEConfig
        if resuming {
            config = try JSONDecoder().decode(VAEConfig.self, from: Data(contentsOf: Self.configURL(folder)))
        } else {
            if let start {
                config = try JSONDecoder().decode(VAEConfig.self, from: Data(contentsOf: start.folder.appendingPathComponent("config.json")))
            } else {
                config = LayeredModelRecipe.autoencoder(latentChannels: settings.latentChannels, blocks: settings.blockOutChannels)
            }
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try JSONEncoder.sorted.encode(config).writeDurably(to: Self.configURL(folder))
        }
        let withHead = settings.compositeWeight > 0
        let weights: WeightStore
        if resuming {
            weights = try saved.parameterStore("layered_vae")
        } else if let start {
            let finished = try WeightStore(path: WeightStore.file(in: start.folder, named: "diffusion_pytorch_model").path)
            weights = GrownWeights.store(finished, fresh: .initialized(seed: settings.seed)) { _ in }
        } else {
            weights = .initialized(seed: settings.seed)
        }
        model = try LayeredAutoencoder(config: config, weights: weights, compositeHead: withHead)
        let trained = model.parameters.tensors.filter { !settings.freezeEncoder || Self.isDecoder($0.name) }
        let mode = settings.freezeEncoder ? "decoder" : "all"
        var plan = TrainingRun.Plan(name: "layered-vae", batch: settings.batch, learningRate: settings.learningRate, warmupSteps: settings.warmupSteps)
        plan.decaySteps = settings.decaySteps; plan.logEvery = settings.logEvery; plan.saveEvery = settings.saveEvery
        plan.maxGradientNorm = settings.maxGradientNorm
        plan.settings = ["batch": "\(settings.batch)", "lr": "\(settings.learningRate)", "sprite_weight": "\(settings.spriteWeight)",
                         "composite_weight": "\(settings.compositeWeight)", "kl": "\(settings.klWeight)", "seed": "\(settings.seed)", "trains": mode]
        run = try TrainingRun(folder: folder, plan: plan, trained: trained.map(\.tensor),
                              parameterCount: model.parameters.elementCount, startStep: start?.step) {
            $0.settings["trains"] ?? "all" == mode && $0.settings["composite_weight"] == "\(settings.compositeWeight)"
        }
        if run.progress.settings["trains"] ?? "all" != mode { run.progress.settings["trains"] = mode; run.log.line("now training \(mode) parameters") }
        run.record("composite_weight", "\(settings.compositeWeight)", unsetMeans: "\(settings.compositeWeight)")
    }

    var progress: TrainingProgress { run.progress }
    var optimiser: Adam { run.optimiser }

    /// The losses of one batch: F, B, m, the auxiliary composite (0 without its head) and
    /// KL per sample; `total` is what the step minimises.
    struct Losses { let foreground, background, mask, composite, kl, total: Tensor; var gradientNorm: Float? = nil }

    func losses(_ batch: LayeredSceneBatch, step index: Int) -> Losses {
        let s = settings
        // Square roots of the per-pixel weights: maskedMSE squares its mask.
        let rootWeights = Tensor(zeros: batch.layers.mask.shape)
        for i in 0..<rootWeights.count { rootWeights.data[i] = (1 + (s.spriteWeight - 1) * batch.layers.mask.data[i]).squareRoot() }
        var noise = StrataRandom(seed: s.seed &+ UInt64(index) &* 7919)
        let (mean, logVar) = s.freezeEncoder ? GradMode.disabled { model.encodeMoments(batch.layers) } : model.encodeMoments(batch.layers)
        let z = mean + (logVar * 0.5).exp() * Tensor.randn(mean.shape, using: &noise)
        let (packed, composite) = model.decodePacked(z * Float(model.config.scalingFactor), withComposite: s.compositeWeight > 0)
        let heads = packed.split(axis: 1, sizes: [3, 3, 1])
        let target = batch.layers
        let lF = heads[0].maskedMSE(target.foreground, mask: rootWeights)
        let lB = heads[1].maskedMSE(target.background, mask: nil)
        let lM = heads[2].maskedMSE(target.mask * 2 - 1, mask: rootWeights)
        let kl = ((mean * mean + logVar.exp() - logVar - 1) * 0.5).sum() / Float(s.batch)
        var total = lF + lB + lM
        var lC = Tensor(scalar: 0)
        if let composite {
            lC = composite.maskedMSE(batch.composites, mask: rootWeights)
            total = total + lC * s.compositeWeight
        }
        if !s.freezeEncoder { total = total + kl * s.klWeight }
        return Losses(foreground: lF, background: lB, mask: lM, composite: lC, kl: kl, total: total)
    }

    func step(_ index: Int) -> Losses {
        let batch = LayeredSceneBatch(renderer: renderer, run: settings.seed, first: index * settings.batch, count: settings.batch)
        var l = losses(batch, step: index)
        l.total.backward()
        l.gradientNorm = run.optimiserStep(index)
        return l
    }

    public func run(until steps: Int, shouldStop: () -> Bool = { false }) throws {
        try run.run(until: steps, shouldStop: shouldStop, step: { index in
            let l = step(index)
            let norm = l.gradientNorm.map { String(format: " |g| %.3f", $0) } ?? ""
            return (l.total.item, String(format: "  F %.4f B %.4f m %.4f C %.4f kl %.1f%@",
                                         l.foreground.item, l.background.item, l.mask.item, l.composite.item, l.kl.item, norm))
        }, save: { try run.save(["layered_vae": model.parameters.tensors], progress: $0) })
    }

    static func isDecoder(_ name: String) -> Bool {
        name.hasPrefix("decoder.") || name.hasPrefix("post_quant_conv.") || name.hasPrefix(LayeredAutoencoder.compositeHeadPrefix)
    }
}

extension LayeredAutoencoderTrainer {
    /// The run's last saved weights, without the auxiliary head, to evaluate or export.
    public static func trained(run: URL) throws -> LayeredAutoencoder {
        let config = try JSONDecoder().decode(VAEConfig.self, from: Data(contentsOf: configURL(run)))
        return try LayeredAutoencoder(config: config, weights: TrainingState(folder: run).parameterStore("layered_vae"), compositeHead: false)
    }
}
