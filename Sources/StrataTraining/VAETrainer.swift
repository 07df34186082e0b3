// Trains the built-in model's AutoencoderKL on scenes drawn on the fly: mean squared
// error weighted ×`spriteWeight` on subject pixels (the tint lives on few pixels and is
// what edits must keep), plus a small KL term towards N(0, 1), with Adam.
import Foundation
import StrataModels
import StrataSprites
import StrataTensor

public struct VAETrainingSettings: Codable {
    public var steps = 20_000
    public var batch = 16
    public var learningRate: Float = 5e-4
    public var warmupSteps = 200
    /// Steps of a cosine cool-down of the learning rate, from the step it is first set (0: none).
    public var decaySteps = 0
    public var spriteWeight: Float = 10
    public var klWeight: Float = 1e-6
    public var saveEvery = 250
    public var logEvery = 25
    public var seed: UInt64 = 1
    /// Train the decoder alone, keeping the latent space that a UNet was trained on.
    public var freezeEncoder = false
    public init() {}
}

public final class VAETrainer {
    public let vae: AutoencoderKL
    public let settings: VAETrainingSettings
    let run: TrainingRun
    let renderer: SceneRenderer

    /// `start` is a finished vae/ folder and its step, for a new run that goes on from it.
    public init(folder: URL, settings: VAETrainingSettings, renderer: SceneRenderer, start: (folder: URL, step: Int)? = nil) throws {
        self.settings = settings
        self.renderer = renderer
        let saved = TrainingState(folder: folder)
        let fresh = start.map { s in { try WeightStore(path: WeightStore.file(in: s.folder, named: "diffusion_pytorch_model").path) } }
            ?? { .initialized(seed: settings.seed) }
        vae = try AutoencoderKL(config: SpriteModelRecipe.vae, weights: saved.exists ? saved.parameterStore("vae") : fresh())
        let trained = vae.parameters.tensors.filter { !settings.freezeEncoder || VAETrainer.isDecoder($0.name) }
        let mode = settings.freezeEncoder ? "decoder" : "all"
        var plan = TrainingRun.Plan(name: "vae", batch: settings.batch, learningRate: settings.learningRate, warmupSteps: settings.warmupSteps)
        plan.decaySteps = settings.decaySteps; plan.logEvery = settings.logEvery; plan.saveEvery = settings.saveEvery
        plan.settings = ["batch": "\(settings.batch)", "lr": "\(settings.learningRate)", "sprite_weight": "\(settings.spriteWeight)",
                         "kl": "\(settings.klWeight)", "seed": "\(settings.seed)", "trains": mode]
        run = try TrainingRun(folder: folder, plan: plan, trained: trained.map(\.tensor),
                              parameterCount: vae.parameters.elementCount, startStep: start?.step) {
            $0.settings["trains"] ?? "all" == mode
        }
        if run.progress.settings["trains"] ?? "all" != mode { run.progress.settings["trains"] = mode; run.log.line("now training \(mode) parameters") }
    }

    var progress: TrainingProgress { run.progress }
    var optimiser: Adam { run.optimiser }

    /// One optimisation step on the batch at `step`; returns (weighted MSE, KL per sample).
    func step(_ index: Int) -> (Float, Float) {
        let batch = SceneBatch(renderer: renderer, run: settings.seed, first: index * settings.batch, count: settings.batch)
        let weights = (batch.masks * (settings.spriteWeight - 1) + 1)
        let rootWeights = Tensor(zeros: weights.shape)
        for i in 0..<weights.count { rootWeights.data[i] = weights.data[i].squareRoot() }
        var noise = StrataRandom(seed: settings.seed &+ UInt64(index) &* 7919)
        let (mean, logVar) = settings.freezeEncoder ? GradMode.disabled { vae.encodeMoments(batch.images) } : vae.encodeMoments(batch.images)
        let z = mean + (logVar * 0.5).exp() * Tensor.randn(mean.shape, using: &noise)
        let recon = vae.decode(z * Float(vae.config.scalingFactor))
        let mse = recon.maskedMSE(batch.images, mask: rootWeights)
        let kl = ((mean * mean + logVar.exp() - logVar - 1) * 0.5).sum() / Float(settings.batch)
        let loss = settings.freezeEncoder ? mse : mse + kl * settings.klWeight
        loss.backward()
        run.optimiserStep(index)
        return (mse.item, kl.item)
    }

    public func run(until steps: Int, shouldStop: () -> Bool = { false }) throws {
        try run.run(until: steps, shouldStop: shouldStop, step: { index in
            let (mse, kl) = step(index)
            return (mse, String(format: "  kl %.1f", kl))
        }, save: { try run.save(["vae": vae.parameters.tensors], progress: $0) })
    }

    static func isDecoder(_ name: String) -> Bool { name.hasPrefix("decoder.") || name.hasPrefix("post_quant_conv.") }
}
