// DDIM (Song et al. 2020), as diffusers' DDIMScheduler: η = 0 is deterministic, η > 0
// adds noise of standard deviation η·σ_t at each step.
import StrataTensor

public struct DDIMScheduler: Scheduler {
    public let schedule: NoiseSchedule
    public let eta: Double
    public let timesteps: [Double]
    public let initNoiseSigma: Float = 1
    private let integerTimesteps: [Int]
    private let stepRatio: Int

    public init(_ config: SchedulerConfig, steps: Int, eta: Double = 0) throws {
        schedule = try NoiseSchedule(config)
        self.eta = eta
        integerTimesteps = try schedule.timesteps(steps)
        timesteps = integerTimesteps.map(Double.init)
        stepRatio = config.numTrainTimesteps / steps
    }

    public func scaleModelInput(_ sample: Tensor, step: Int) -> Tensor { sample }

    public mutating func step(_ modelOutput: Tensor, step: Int, sample: Tensor, noise: () -> Tensor) -> Tensor {
        let t = integerTimesteps[step], prev = t - stepRatio
        let ac = schedule.alphasCumprod
        let aT = ac[t]
        let aPrev = prev >= 0 ? ac[prev] : (schedule.config.setAlphaToOne ? 1 : ac[0])
        let bT = 1 - aT
        let (x0, eps) = predictions(modelOutput, sample: sample, alpha: aT)
        let variance = (1 - aPrev) / bT * (1 - aT / aPrev)
        let std = eta * variance.squareRoot()
        var prevSample = x0.combined(aPrev.squareRoot(), eps, (1 - aPrev - std * std).squareRoot())
        if eta > 0 { prevSample = prevSample.combined(1, noise(), std) }
        return prevSample
    }

    /// (x̂0, ε̂) from the model output under the configured parametrisation.
    func predictions(_ out: Tensor, sample: Tensor, alpha: Double) -> (Tensor, Tensor) {
        let b = 1 - alpha
        if schedule.config.predictionType == "v_prediction" {
            return (sample.combined(alpha.squareRoot(), out, -b.squareRoot()), out.combined(alpha.squareRoot(), sample, b.squareRoot()))
        }
        return (sample.combined(1 / alpha.squareRoot(), out, -b.squareRoot() / alpha.squareRoot()), out)
    }
}
