// Euler and Euler ancestral samplers over σ (Karras et al. 2022), as diffusers'
// EulerDiscreteScheduler and EulerAncestralDiscreteScheduler.
import Foundation
import StrataTensor

public struct EulerScheduler: Scheduler {
    public let schedule: NoiseSchedule
    public let ancestral: Bool
    public let timesteps: [Double]
    /// σ per step, then a final 0.
    public let sigmas: [Double]
    public let initNoiseSigma: Float

    public init(_ config: SchedulerConfig, steps: Int, ancestral: Bool) throws {
        schedule = try NoiseSchedule(config)
        self.ancestral = ancestral
        let t = config.numTrainTimesteps
        guard steps >= 1 && steps <= t else { throw SchedulerError.badStepCount(steps, max: t) }
        var ts: [Double]
        switch config.timestepSpacing {
        case "linspace":
            ts = NoiseSchedule.linspace(0, Double(t - 1), steps).reversed().map { Double(Float($0)) }
        case "leading":
            let ratio = t / steps
            ts = (0..<steps).reversed().map { Double($0 * ratio + config.stepsOffset) }
        case "trailing":
            ts = try schedule.timesteps(steps).map(Double.init)
        default:
            throw SchedulerError.unknownSpacing(config.timestepSpacing)
        }
        let trainSigmas = schedule.sigmas
        var s = ts.map { interpolate(trainSigmas, at: $0) }
        if config.useKarrasSigmas && !ancestral {
            s = karrasSigmas(min: s.last!, max: s.first!, count: steps)
            let logs = trainSigmas.map { log($0) }
            ts = s.map { timestep(forSigma: $0, logSigmas: logs) }
        }
        sigmas = (s + [0]).map { Double(Float($0)) }
        timesteps = ts
        let maxSigma = sigmas.max()!
        initNoiseSigma = Float(["linspace", "trailing"].contains(config.timestepSpacing) ? maxSigma : (maxSigma * maxSigma + 1).squareRoot())
    }

    public func scaleModelInput(_ sample: Tensor, step: Int) -> Tensor {
        let s = sigmas[step]
        return GradMode.disabled { sample * Float(1 / (s * s + 1).squareRoot()) }
    }

    public mutating func step(_ modelOutput: Tensor, step: Int, sample: Tensor, noise: () -> Tensor) -> Tensor {
        let sigma = sigmas[step], next = sigmas[step + 1]
        let x0: Tensor
        if schedule.config.predictionType == "v_prediction" {
            x0 = modelOutput.combined(-sigma / (sigma * sigma + 1).squareRoot(), sample, 1 / (sigma * sigma + 1))
        } else {
            x0 = sample.combined(1, modelOutput, -sigma)
        }
        // derivative d = (x − x̂0)/σ; x ← x + d·(σ_target − σ)
        let derivative = sample.combined(1 / sigma, x0, -1 / sigma)
        if !ancestral {
            return sample.combined(1, derivative, next - sigma)
        }
        let up = (next * next * (sigma * sigma - next * next) / (sigma * sigma)).squareRoot()
        let down = (next * next - up * up).squareRoot()
        return sample.combined(1, derivative, down - sigma).combined(1, noise(), up)
    }
}

/// numpy.interp over integer positions 0..<values.count.
func interpolate(_ values: [Double], at x: Double) -> Double {
    if x <= 0 { return values[0] }
    if x >= Double(values.count - 1) { return values[values.count - 1] }
    let i = Int(x.rounded(.down)), f = x - Double(i)
    return values[i] + (values[i + 1] - values[i]) * f
}
