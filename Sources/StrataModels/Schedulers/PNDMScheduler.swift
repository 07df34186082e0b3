// PLMS, the linear multistep part of PNDM (Liu et al. 2022), as diffusers'
// PNDMScheduler with skip_prk_steps = true (the Stable Diffusion 1.x configuration).
// The first timestep is visited twice: once with the model output as it is, once with
// the mean of the first two outputs; later steps extrapolate from up to four outputs.
import StrataTensor

public struct PNDMScheduler: Scheduler {
    public let schedule: NoiseSchedule
    public let timesteps: [Double]
    public let initNoiseSigma: Float = 1
    private let integerTimesteps: [Int]
    private let stepRatio: Int
    private var outputs: [Tensor] = []
    private var firstSample: Tensor?
    private var counter = 0

    public init(_ config: SchedulerConfig, steps: Int) throws {
        schedule = try NoiseSchedule(config)
        let ascending = Array(try schedule.timesteps(steps).reversed())
        // _timesteps[:-1] + _timesteps[-2:-1] + _timesteps[-1:], reversed
        let plms = ascending.count >= 2
            ? Array(ascending.dropLast()) + [ascending[ascending.count - 2], ascending.last!]
            : ascending
        integerTimesteps = plms.reversed()
        timesteps = integerTimesteps.map(Double.init)
        stepRatio = config.numTrainTimesteps / steps
    }

    public func scaleModelInput(_ sample: Tensor, step: Int) -> Tensor { sample }

    public mutating func step(_ modelOutput: Tensor, step: Int, sample: Tensor, noise: () -> Tensor) -> Tensor {
        var t = integerTimesteps[step]
        var prev = t - stepRatio
        var sample = sample
        if counter != 1 {
            outputs = Array(outputs.suffix(3)) + [modelOutput]
        } else {
            prev = t
            t += stepRatio
        }
        let e: Tensor
        switch (outputs.count, counter) {
        case (1, 0):
            e = modelOutput
            firstSample = sample
        case (1, 1):
            e = modelOutput.combined(0.5, outputs[0], 0.5)
            sample = firstSample!
            firstSample = nil
        case (2, _):
            e = outputs[1].combined(1.5, outputs[0], -0.5)
        case (3, _):
            e = GradMode.disabled { (outputs[2] * 23 - outputs[1] * 16 + outputs[0] * 5) * (1 / 12) }
        default:
            e = GradMode.disabled { (outputs[3] * 55 - outputs[2] * 59 + outputs[1] * 37 - outputs[0] * 9) * (1 / 24) }
        }
        counter += 1
        return previousSample(sample, t, prev, e)
    }

    /// Formula (9) of the PNDM paper.
    private func previousSample(_ x: Tensor, _ t: Int, _ prev: Int, _ out: Tensor) -> Tensor {
        let ac = schedule.alphasCumprod
        let aT = ac[t]
        let aPrev = prev >= 0 ? ac[prev] : (schedule.config.setAlphaToOne ? 1 : ac[0])
        let bT = 1 - aT, bPrev = 1 - aPrev
        let eps = schedule.config.predictionType == "v_prediction" ? out.combined(aT.squareRoot(), x, bT.squareRoot()) : out
        let sampleCoeff = (aPrev / aT).squareRoot()
        let denom = aT * bPrev.squareRoot() + (aT * bT * aPrev).squareRoot()
        return x.combined(sampleCoeff, eps, -(aPrev - aT) / denom)
    }
}
