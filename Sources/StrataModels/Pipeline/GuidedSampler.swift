// The sampling loop with classifier-free guidance, shared by text-to-image and the
// edit pipeline's iterative guidance: at each step the UNet sees the latents twice (the
// unconditional and the conditional text), and the prediction moves from the first
// towards the second by the guidance scale. The conditional text may change per step.
// Guidance may start late (Kynkäänniemi et al. 2024, "Applying guidance in a limited
// interval"): at the noisiest steps it mostly sets the image's colours, and there the
// built-in model's guided colours drift to a few hues; those steps then run on the
// conditional text alone, at half the cost.
import StrataTensor

public struct GuidedSampler {
    public let unet: UNet2DConditionModel
    /// A second unconditional prediction to move the first towards, by a weight that may
    /// vary over the latents (ours, for edits: IterativeGuidance).
    public var unconditionalBlend: UnconditionalBlend?
    public init(unet: UNet2DConditionModel) { self.unet = unet }

    public struct UnconditionalBlend {
        /// The prediction for (scaled latents, timesteps, unconditional text states).
        public var predict: (Tensor, Tensor, Tensor) -> Tensor
        /// [1, 1, h, w] (or [1, 1, 1, 1]): where it is w, the unconditional prediction u
        /// becomes u + w · (predict − u) before guidance.
        public var weight: Tensor
        /// The steps (0-based, noisiest first) it acts at.
        public var at: (Int) -> Bool
        public init(weight: Tensor, at: @escaping (Int) -> Bool = { _ in true }, predict: @escaping (Tensor, Tensor, Tensor) -> Tensor) {
            self.weight = weight; self.at = at; self.predict = predict
        }
    }

    /// Denoises `noise` (unit variance) to clean latents. `condition(i)` gives the text
    /// states [1, tokens, width] for step i (0-based, noisiest first); `unconditional`
    /// likewise for the empty or negative text. `progress(step, total)` returns false
    /// to cancel.
    /// `noise` may hold several samples [B, C, H, W]; the texts are shared by all of them.
    /// `startLatents` with `fromStep` k > 0 starts from already noised latents at step k
    /// (SDEdit) instead of from `noise`. The first `guidanceStart` share of the steps
    /// (rounded to whole steps) run without guidance.
    public func sample<R: RandomSource>(noise: Tensor, scheduler: inout any Scheduler, unconditional: Tensor,
                                        condition: (Int) -> Tensor, guidanceScale: Float, rng: inout R,
                                        startLatents: Tensor? = nil, fromStep: Int = 0, guidanceStart: Double = 0,
                                        progress: (Int, Int) -> Bool) throws -> Tensor {
        var latents = startLatents ?? noise * scheduler.initNoiseSigma
        let total = scheduler.timesteps.count
        return try GradMode.disabled {
            let firstGuided = Self.firstGuidedStep(guidanceStart, steps: total)
            // Several samples (a batch of latents) share the texts.
            let batch = latents.shape[0]
            func perSample(_ text: Tensor) -> Tensor {
                text.shape[0] == batch ? text : Tensor.concat(Array(repeating: text, count: batch), axis: 0)
            }
            let uncond = perSample(unconditional)
            for (i, t) in scheduler.timesteps.enumerated() where i >= fromStep {
                let prediction: Tensor
                if i < firstGuided {
                    let input = scheduler.scaleModelInput(latents, step: i)
                    prediction = unet(input, timesteps: Tensor(repeating: Float(t), shape: [batch]), context: perSample(condition(i)))
                } else {
                    let input = scheduler.scaleModelInput(Tensor.concat([latents, latents], axis: 0), step: i)
                    let context = Tensor.concat([uncond, perSample(condition(i))], axis: 0)
                    let out = unet(input, timesteps: Tensor(repeating: Float(t), shape: [2 * batch]), context: context)
                    let halves = out.chunk(2, axis: 0)
                    var unconditioned = halves[0]
                    if let blend = unconditionalBlend, blend.at(i) {
                        let other = blend.predict(scheduler.scaleModelInput(latents, step: i), Tensor(repeating: Float(t), shape: [batch]), uncond)
                        unconditioned = unconditioned + (other - unconditioned) * blend.weight
                    }
                    prediction = unconditioned + (halves[1] - unconditioned) * guidanceScale
                }
                latents = scheduler.step(prediction, step: i, sample: latents) { Tensor.randn(latents.shape, using: &rng) }
                guard progress(i + 1, total) else { throw GenerationError.cancelled }
            }
            return latents
        }
    }

    /// The first step that is guided when the first `share` of `steps` are not.
    public static func firstGuidedStep(_ share: Double, steps: Int) -> Int {
        min(steps, max(0, Int((share * Double(steps)).rounded())))
    }
}
