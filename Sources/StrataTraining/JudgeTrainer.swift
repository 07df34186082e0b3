// Trains the judge on scenes drawn on the fly (training seeds only), with the sum of
// the five heads' cross-entropies. Images are degraded at random (noise, blur) so the
// judge also reads generated and reconstructed images, which are never as sharp.
// Optionally a share of each batch first goes through the built-in model's VAE, its
// latents noised at a random strength before decoding: generated images come through
// that decoder from latents that are never exactly a scene's, and a judge trained on
// renders alone misread some that plainly show their caption (mountains as a meadow).
// The tint head never learns from round trips: the VAE shifts a few tints to a
// neighbouring hue, and the judge is what measures how often it does.
// A layer-head run trains only the subject and mask heads, on a finished judge's frozen
// trunk (its five readings stay exactly as they were), on renders and, for a share of
// each batch, the same scenes' backgrounds alone ("no subject", an empty mask).
import Foundation
import StrataLayers
import StrataModels
import StrataSprites
import StrataTensor

public struct JudgeTrainingSettings: Codable {
    public var steps = 3000
    public var batch = 64
    public var learningRate: Float = 1e-3
    public var warmupSteps = 100
    public var saveEvery = 250
    public var logEvery = 25
    public var seed: UInt64 = 3
    /// Share of each batch passed through the VAE (encode, noise the latents, decode).
    public var roundTrip: Float = 0
    /// Largest standard deviation of the noise on round-trip latents (uniform per image).
    public var latentNoise: Float = 0.3
    /// Train the subject and mask heads only, on the frozen trunk of the judge started from.
    public var layerHeads = false
    /// Share of a layer-head batch shown as its background alone.
    public var noSubjectShare: Float = 0.3
    public init() {}
}

public final class JudgeTrainer {
    public let judge: SpriteJudge
    let settings: JudgeTrainingSettings
    let run: TrainingRun
    let renderer: SceneRenderer
    let vae: AutoencoderKL?

    /// `start` is a finished judge folder a new run goes on from; `vae` is needed when
    /// `settings.roundTrip` is above zero.
    public init(folder: URL, settings: JudgeTrainingSettings, renderer: SceneRenderer, vae: AutoencoderKL? = nil, start: URL? = nil) throws {
        precondition(settings.roundTrip == 0 || vae != nil, "judge training: a round-trip share needs a VAE")
        self.vae = vae
        self.settings = settings
        self.renderer = renderer
        let saved = TrainingState(folder: folder)
        if settings.layerHeads {
            let base = try saved.exists ? saved.parameterStore("judge")
                : GrownWeights.store(WeightStore(path: (start ?? StrataAssets.judge()).appendingPathComponent("judge.safetensors").path),
                                     fresh: .initialized(seed: settings.seed))
            judge = try SpriteJudge(weights: base, layerHeads: true)
        } else {
            judge = try saved.exists ? SpriteJudge(weights: saved.parameterStore("judge"))
                : start.map { try SpriteJudge(folder: $0) } ?? SpriteJudge(weights: .initialized(seed: settings.seed))
        }
        let trained = judge.parameters.tensors.filter { !settings.layerHeads || SpriteJudge.isLayerHead($0.name) }
        var plan = TrainingRun.Plan(name: "judge", batch: settings.batch, learningRate: settings.learningRate, warmupSteps: settings.warmupSteps)
        plan.logEvery = settings.logEvery; plan.saveEvery = settings.saveEvery
        plan.settings = ["batch": "\(settings.batch)", "lr": "\(settings.learningRate)", "seed": "\(settings.seed)",
                         "round_trip": "\(settings.roundTrip)", "latent_noise": "\(settings.latentNoise)"]
        if settings.layerHeads { plan.settings["trains"] = "layer heads"; plan.settings["no_subject_share"] = "\(settings.noSubjectShare)" }
        run = try TrainingRun(folder: folder, plan: plan, trained: trained.map(\.tensor),
                              parameterCount: judge.parameters.elementCount)
    }

    /// Noise of a random strength on every image, and a 3×3 blur on half of them.
    static func degrade(_ images: Tensor, rng: inout StrataRandom) -> Tensor {
        let n = images.shape[0], plane = 64 * 64
        let out = images.copy()
        for i in 0..<n {
            let base = out.data + i * 3 * plane
            if rng.nextUniform() < 0.5 {
                let strength = rng.nextUniform()
                for c in 0..<3 {
                    let p = base + c * plane
                    let src = Array(UnsafeBufferPointer(start: p, count: plane))
                    for y in 0..<64 { for x in 0..<64 {
                        var s: Float = 0, k: Float = 0
                        for dy in -1...1 { for dx in -1...1 {
                            let yy = y + dy, xx = x + dx
                            if yy >= 0, yy < 64, xx >= 0, xx < 64 { s += src[yy * 64 + xx]; k += 1 }
                        } }
                        p[y * 64 + x] = src[y * 64 + x] * (1 - strength) + s / k * strength
                    } }
                }
            }
            let sigma = rng.nextUniform() * 0.08
            for j in 0..<(3 * plane) { base[j] += sigma * rng.nextNormal() }
        }
        return out
    }

    /// How many of a batch (its first ones) go through the VAE.
    func roundTrips(_ batch: Int) -> Int { vae == nil ? 0 : min(batch - 1, Int((Float(batch) * settings.roundTrip).rounded())) }

    /// The first `roundTrip` share of the images replaced by their VAE round trips, each
    /// with its own latent noise strength.
    func throughVAE(_ images: Tensor, rng: inout StrataRandom) -> Tensor {
        let n = roundTrips(images.shape[0])
        guard let vae, n > 0 else { return images }
        let sigmas = (0..<n).map { _ in rng.nextUniform() * settings.latentNoise }
        let noise = Tensor.randn([n, vae.config.latentChannels, images.shape[2] / vae.scaleFactor, images.shape[3] / vae.scaleFactor], using: &rng)
        let back = vae.roundTrip(images.slice(axis: 0, 0..<n)) { latents in
            precondition(latents.shape == noise.shape, "judge training: latents \(latents.shape), noise \(noise.shape)")
            return latents + noise * Tensor(sigmas, shape: [n, 1, 1, 1])
        }
        return Tensor.concat([back, images.slice(axis: 0, n..<images.shape[0])], axis: 0)
    }

    /// A layer-head step: renders and backgrounds alone, the subject answer's
    /// cross-entropy plus the mask's per-pixel binary cross-entropy (target: F's alpha
    /// above 0.5, the sprite without its shadow; empty without a subject).
    func layerHeadStep(_ index: Int) -> Float {
        let batch = LayeredSceneBatch(renderer: renderer, run: settings.seed, first: index * settings.batch, count: settings.batch)
        var rng = StrataRandom(seed: settings.seed &* 31 &+ UInt64(index))
        let n = settings.batch, plane = 64 * 64
        let images = batch.composites.copy(), masks = Tensor(zeros: [n, 1, 64, 64])
        var labels: [Int] = []
        for i in 0..<n {
            let alone = rng.nextUniform() < settings.noSubjectShare
            labels.append(alone ? 0 : 1)
            if alone {
                images.data.advanced(by: i * 3 * plane).update(from: batch.layers.background.data.advanced(by: i * 3 * plane), count: 3 * plane)
            } else {
                for j in 0..<plane { masks.data[i * plane + j] = batch.layers.mask.data[i * plane + j] > 0.5 ? 1 : 0 }
            }
        }
        let trunk = GradMode.disabled { judge.trunk(Self.degrade(images, rng: &rng)) }
        let (subject, mask) = judge.layerLogits(trunk)
        let loss = subject.crossEntropy(labels: labels) + mask.binaryCrossEntropy(targets: masks)
        loss.backward()
        run.optimiserStep(index)
        return loss.item
    }

    func step(_ index: Int) -> Float {
        if settings.layerHeads { return layerHeadStep(index) }
        let batch = SceneBatch(renderer: renderer, run: settings.seed, first: index * settings.batch, count: settings.batch)
        var rng = StrataRandom(seed: settings.seed &* 31 &+ UInt64(index))
        let logits = judge.logits(Self.degrade(throughVAE(batch.images, rng: &rng), rng: &rng))
        let specs = batch.scenes.map(\.spec)
        let labels = [specs.map(\.animal.rawValue), specs.map(\.tint.rawValue), specs.map(\.size.rawValue),
                      specs.map(\.pose.rawValue), specs.map(\.background.rawValue)]
        let tintHead = SpriteJudge.headNames.firstIndex(of: "tint")!
        let renders = roundTrips(settings.batch)..<settings.batch
        var loss = SpriteJudge.head(logits, tintHead).slice(axis: 0, renders).crossEntropy(labels: Array(labels[tintHead][renders]))
        for h in SpriteJudge.heads.indices where h != tintHead { loss = loss + SpriteJudge.head(logits, h).crossEntropy(labels: labels[h]) }
        loss.backward()
        run.optimiserStep(index)
        return loss.item
    }

    public func run(until steps: Int, shouldStop: () -> Bool = { false }) throws {
        try run.run(until: steps, shouldStop: shouldStop, step: { index in (step(index), "") },
                    save: { try run.save(["judge": judge.parameters.tensors], progress: $0) })
    }

    /// Writes Assets/models/judge (judge.safetensors in fp16 and a README of its heads).
    public static func export(run: URL, to folder: URL) throws {
        let judge = try SpriteJudge(weights: TrainingState(folder: run).parameterStore("judge"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafeTensorsFile.write(ModelFolderWriter.tensors(judge.parameters), to: folder.appendingPathComponent("judge.safetensors").path,
                                  as: .f16, metadata: ["heads": SpriteJudge.headNames.joined(separator: ",")])
    }
}
