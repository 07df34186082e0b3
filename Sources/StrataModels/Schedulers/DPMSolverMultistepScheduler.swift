// DPM-Solver++(2M) (Lu et al. 2022), as diffusers' DPMSolverMultistepScheduler with its
// defaults (dpmsolver++, order 2, midpoint, lower_order_final, final σ = 0), with or
// without Karras σ.
import Foundation
import StrataTensor

public struct DPMSolverMultistepScheduler: Scheduler {
    public let schedule: NoiseSchedule
    public let timesteps: [Double]
    public let sigmas: [Double]
    public let initNoiseSigma: Float = 1
    private var previousX0: Tensor?
    private var lowerOrderCount = 0

    public init(_ config: SchedulerConfig, steps: Int, karras: Bool) throws {
        schedule = try NoiseSchedule(config)
        let t = config.numTrainTimesteps
        guard steps >= 1 && steps <= t else { throw SchedulerError.badStepCount(steps, max: t) }
        var ts: [Double]
        switch config.timestepSpacing {
        case "linspace":
            ts = Array(NoiseSchedule.linspace(0, Double(t - 1), steps + 1).reversed().dropLast()).map { $0.rounded(.toNearestOrEven) }
        case "leading":
            let ratio = t / (steps + 1)
            ts = Array((0...steps).reversed().dropLast()).map { Double($0 * ratio + config.stepsOffset) }
        case "trailing":
            ts = try schedule.timesteps(steps).map(Double.init)
        default:
            throw SchedulerError.unknownSpacing(config.timestepSpacing)
        }
        let trainSigmas = schedule.sigmas
        var s: [Double]
        if karras {
            s = karrasSigmas(min: trainSigmas.first!, max: trainSigmas.last!, count: steps)
            let logs = trainSigmas.map { log($0) }
            ts = s.map { timestep(forSigma: $0, logSigmas: logs) }
            if config.betaSchedule != "squaredcos_cap_v2" { ts = ts.map { $0.rounded(.toNearestOrEven) } }
        } else {
            s = ts.map { interpolate(trainSigmas, at: $0) }
        }
        sigmas = (s + [0]).map { Double(Float($0)) }
        timesteps = ts
    }

    public func scaleModelInput(_ sample: Tensor, step: Int) -> Tensor { sample }

    /// α_t = 1/√(σ²+1), σ_t = σ·α_t, λ = log α_t − log σ_t.
    private func alphaSigma(_ s: Double) -> (Double, Double) {
        let a = 1 / (s * s + 1).squareRoot()
        return (a, s * a)
    }

    public mutating func step(_ modelOutput: Tensor, step: Int, sample: Tensor, noise: () -> Tensor) -> Tensor {
        let n = timesteps.count
        let (aS, sS) = alphaSigma(sigmas[step])
        let x0 = schedule.config.predictionType == "v_prediction"
            ? sample.combined(aS, modelOutput, -sS)
            : sample.combined(1 / aS, modelOutput, -sS / aS)
        // The last step goes to σ = 0 and is first order; with order 2 the step before it
        // is second order whether or not diffusers' lower_order_final applies.
        let lowerOrderFinal = step == n - 1
        defer { previousX0 = x0; lowerOrderCount = min(lowerOrderCount + 1, 2) }
        let target = sigmas[step + 1]
        if target == 0 { return x0 }
        let (aT, sT) = alphaSigma(target)
        let lambdaT = log(aT) - log(sT), lambdaS = log(aS) - log(sS)
        let h = lambdaT - lambdaS
        let e = exp(-h) - 1
        if lowerOrderCount < 1 || lowerOrderFinal || previousX0 == nil {
            return sample.combined(sT / sS, x0, -aT * e)
        }
        let (aP, sP) = alphaSigma(sigmas[step - 1])
        let lambdaP = log(aP) - log(sP)
        let r0 = (lambdaS - lambdaP) / h
        // D0 = x0, D1 = (x0 − x0_prev)/r0; x = (σt/σs)x − αt(e^{−h}−1)(D0 + D1/2)
        let d1 = x0.combined(1 / r0, previousX0!, -1 / r0)
        return sample.combined(sT / sS, x0, -aT * e).combined(1, d1, -0.5 * aT * e)
    }
}
