// Text to two layers (Text2Layer): classifier-free guided sampling of the layered
// latent, as text-to-image samples an image latent, then the model's codec (the layered
// autoencoder's three heads) gives the foreground F, the background B and the mask m.
import Foundation
import StrataModels
import StrataTensor

public struct TextToLayers {
    public let model: LayeredModel
    /// Samples whose estimated peak is above this are refused (GenerationMemory).
    public var memoryLimit = GenerationMemory.available

    public init(model: LayeredModel) { self.model = model }

    /// The initial latents [1, C, H/f, W/f] for a seed, from `rng`'s normal draws.
    public func initialLatents<R: RandomSource>(_ s: TextToImageSettings, rng: inout R) -> Tensor {
        let f = model.codec.scaleFactor
        return Tensor.randn([1, model.unet.config.inChannels, s.height / f, s.width / f], using: &rng)
    }

    /// The layers of one sample (F and B in [−1, 1], m in [0, 1]). `progress` is called
    /// after every step with (step, total) and returns false to cancel.
    public func run<R: RandomSource>(_ s: TextToImageSettings, rng: inout R, progress: (Int, Int) -> Bool = { _, _ in true }) throws -> TwoLayerImages {
        let f = model.codec.scaleFactor * (1 << (model.unet.config.blockOutChannels.count - 1))
        guard s.width > 0, s.height > 0, s.width % f == 0, s.height % f == 0 else {
            throw GenerationError.size(width: s.width, height: s.height, multiple: f)
        }
        try GenerationMemory.check(GenerationMemory.peakBytes(
            unet: model.unet, decoderBlocks: model.codec.decoderBlocks, latentFactor: model.codec.scaleFactor,
            otherParameters: model.codec.parameterCount + model.textEncoder.parameters.elementCount,
            width: s.width, height: s.height), limit: memoryLimit)
        var scheduler: any Scheduler = try s.scheduler.make(model.schedulerConfig, steps: s.steps, eta: s.eta)
        let parts = model.encode([s.negativePrompt, s.prompt]).chunk(2, axis: 0)
        let latents = try GuidedSampler(unet: model.unet).sample(
            noise: initialLatents(s, rng: &rng), scheduler: &scheduler, unconditional: parts[0], condition: { _ in parts[1] },
            guidanceScale: Float(s.guidanceScale), rng: &rng, guidanceStart: s.guidanceStart, progress: progress)
        return GradMode.disabled { model.codec.decodeLayers(latents) }
    }

    /// The layers of one sample drawn from `s.seed` with PyTorch's CPU generator (`--rng
    /// torch`), as every command and the editor seed them.
    public func run(_ s: TextToImageSettings, progress: (Int, Int) -> Bool = { _, _ in true }) throws -> TwoLayerImages {
        var rng = TorchRandom(seed: s.seed)
        return try run(s, rng: &rng, progress: progress)
    }
}
