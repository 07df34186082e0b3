// The pieces of a Stable Diffusion model the edit stages share: encoding images and
// texts, the training noise schedule, masks at latent size.
import StrataModels
import StrataTensor

public struct EditModel {
    public let model: StableDiffusionModel
    public let schedule: NoiseSchedule

    public init(_ model: StableDiffusionModel) throws {
        self.model = model
        schedule = try NoiseSchedule(model.schedulerConfig)
    }

    public var factor: Int { model.vaeScaleFactor }

    /// Runs `body` with gradient checkpointing on in its UNet passes when the activations
    /// are large (latents of 32×32 and more: Stable Diffusion sizes), off for small models,
    /// where recomputing costs more than the memory is worth. The choice is the call's
    /// (this thread's), not the shared model's.
    func checkpointing<T>(latentSide: Int, _ body: () throws -> T) rethrows -> T {
        try UNet2DConditionModel.withCheckpointing(latentSide >= 32, body)
    }

    /// Scaled latents (the distribution's mode) of an image [1, 3, H, W] in [0, 1].
    public func latents(_ image: Tensor) -> Tensor {
        GradMode.disabled {
            var none: StrataRandom? = nil
            return model.vae.encode(image * 2 - 1, sample: &none)
        }
    }

    /// An image [1, 3, H, W] in [0, 1] from scaled latents.
    public func image(_ latents: Tensor) -> Tensor {
        GradMode.disabled { (model.vae.decode(latents) * 0.5 + 0.5).clamped(0, 1) }
    }

    /// Text states [1, 77, width].
    public func text(_ s: String) -> Tensor { model.encode([s]) }

    public func latentMask(_ mask: Tensor) -> Tensor { MaskOps.downsample(mask, factor: factor) }

    /// A draw of (timestep, noise, noised latents) for training-style losses.
    func noised(_ x0: Tensor, rng: inout StrataRandom) -> (t: Int, noise: Tensor, xt: Tensor) {
        let t = rng.nextInt(below: schedule.config.numTrainTimesteps)
        let noise = Tensor.randn(x0.shape, using: &rng)
        return (t, noise, schedule.addNoise(x0, noise: noise, timesteps: [t]))
    }
}

/// The two masked noise-prediction losses both training stages use, from one UNet call
/// at batch 2: (source latents under `contexts[0]`, reference latents under `contexts[1]`);
/// with `mix`, a third: the same noised source under that context, in the same call.
struct LayeredLoss {
    let objectMask: Tensor, backgroundMask: Tensor
    /// Each loss's weight at its draw's timestep (1 everywhere: the paper's losses).
    var objectWeight: (Int) -> Float = { _ in 1 }
    var backgroundWeight: (Int) -> Float = { _ in 1 }

    func callAsFunction(unet: UNet2DConditionModel, model: EditModel, source: Tensor, reference: Tensor,
                        contexts: (Tensor, Tensor), rng: inout StrataRandom) -> (object: Tensor, background: Tensor) {
        let l = callAsFunction(unet: unet, model: model, source: source, reference: reference, contexts: contexts, mix: nil, rng: &rng)
        return (l.object, l.background)
    }

    func callAsFunction(unet: UNet2DConditionModel, model: EditModel, source: Tensor, reference: Tensor,
                        contexts: (Tensor, Tensor), mix: Tensor?, rng: inout StrataRandom) -> (object: Tensor, background: Tensor, mix: Tensor?) {
        let s = model.noised(source, rng: &rng), r = model.noised(reference, rng: &rng)
        let n = mix == nil ? 2 : 3
        let prediction = unet(Tensor.concat(Array([s.xt, r.xt, s.xt].prefix(n)), axis: 0),
                              timesteps: Tensor(Array([Float(s.t), Float(r.t), Float(s.t)].prefix(n)), shape: [n]),
                              context: Tensor.concat([contexts.0, contexts.1] + (mix.map { [$0] } ?? []), axis: 0))
        let parts = prediction.chunk(n, axis: 0)
        func weighted(_ loss: Tensor, _ w: Float) -> Tensor { w == 1 ? loss : loss * w }
        return (weighted(parts[0].maskedMSE(s.noise, mask: objectMask), objectWeight(s.t)),
                weighted(parts[1].maskedMSE(r.noise, mask: backgroundMask), backgroundWeight(r.t)),
                n == 3 ? weighted(parts[2].maskedMSE(s.noise, mask: objectMask), objectWeight(s.t)) : nil)
    }
}
