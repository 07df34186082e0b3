// Text-to-image with classifier-free guidance, as diffusers' StableDiffusionPipeline:
// encode [negative, prompt], start from noise × the sampler's initial σ, and at each step
// run the UNet on both halves and move along uncond + g·(cond − uncond); decode at the end.
import Foundation
import StrataTensor

public struct TextToImageSettings: Equatable {
    public var prompt: String
    public var negativePrompt: String = ""
    public var steps: Int = 50
    public var guidanceScale: Double = 7.5
    /// The share of the steps, noisiest first, that run without guidance (GuidedSampler).
    public var guidanceStart: Double = 0
    public var scheduler: SchedulerKind = .ddim
    public var seed: UInt64 = 0
    public var width: Int
    public var height: Int
    public var eta: Double = 0

    public init(prompt: String, width: Int, height: Int) {
        self.prompt = prompt; self.width = width; self.height = height
    }
}

public enum GenerationError: Error, CustomStringConvertible {
    case size(width: Int, height: Int, multiple: Int)
    case memory(needed: Int, limit: Int)
    case cancelled

    public var description: String {
        switch self {
        case let .size(w, h, m): return "image size \(w)×\(h) must be a positive multiple of \(m)"
        case let .memory(needed, limit):
            return String(format: "this needs about %.1f GB of memory at its peak and %.1f GB is available: choose a smaller size", Double(needed) / 1e9, Double(limit) / 1e9)
        case .cancelled: return "cancelled"
        }
    }
}

public struct TextToImage {
    public let model: StableDiffusionModel
    /// Samples whose estimated peak is above this are refused (GenerationMemory).
    public var memoryLimit = GenerationMemory.available

    public init(model: StableDiffusionModel) { self.model = model }

    /// The initial latents [1, C, H/f, W/f] for a seed, from `rng`'s normal draws.
    public func initialLatents<R: RandomSource>(_ s: TextToImageSettings, rng: inout R) -> Tensor {
        let f = model.vaeScaleFactor
        return Tensor.randn([1, model.unet.config.inChannels, s.height / f, s.width / f], using: &rng)
    }

    /// Runs the whole generation; returns the image [1, 3, H, W] in [0, 1]. `progress`
    /// is called after every step with (step, total) and returns false to cancel.
    public func run<R: RandomSource>(_ s: TextToImageSettings, latents given: Tensor? = nil, rng: inout R,
                                     progress: (Int, Int) -> Bool = { _, _ in true }) throws -> Tensor {
        let f = model.vaeScaleFactor * (1 << (model.unet.config.blockOutChannels.count - 1))
        guard s.width > 0, s.height > 0, s.width % f == 0, s.height % f == 0 else {
            throw GenerationError.size(width: s.width, height: s.height, multiple: f)
        }
        try GenerationMemory.check(GenerationMemory.peakBytes(
            unet: model.unet, decoderBlocks: model.vae.config.blockOutChannels, latentFactor: model.vaeScaleFactor,
            otherParameters: model.vae.parameters.elementCount
                + model.textEncoder.parameters.elementCount,
            width: s.width, height: s.height), limit: memoryLimit)
        var scheduler: any Scheduler = try s.scheduler.make(model.schedulerConfig, steps: s.steps, eta: s.eta)
        let context = model.encode([s.negativePrompt, s.prompt])
        let parts = context.chunk(2, axis: 0)
        let latents = try GuidedSampler(unet: model.unet).sample(
            noise: given ?? initialLatents(s, rng: &rng), scheduler: &scheduler, unconditional: parts[0],
            condition: { _ in parts[1] }, guidanceScale: Float(s.guidanceScale), rng: &rng,
            guidanceStart: s.guidanceStart, progress: progress)
        return GradMode.disabled {
            let image = model.vae.decode(latents)
            return (image * 0.5 + 0.5).clamped(0, 1)
        }
    }
}
