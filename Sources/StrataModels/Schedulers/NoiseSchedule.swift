// The training noise schedule shared by every sampler: betas, ᾱ_t, and the inference
// timesteps for a number of steps, as diffusers computes them.
import Foundation
import StrataTensor

public enum SchedulerError: Error, CustomStringConvertible, Equatable {
    case unknownBetaSchedule(String)
    case unknownSpacing(String)
    case unknownPrediction(String)
    case badStepCount(Int, max: Int)

    public var description: String {
        switch self {
        case .unknownBetaSchedule(let s): return "scheduler: unknown beta_schedule '\(s)' (linear, scaled_linear, squaredcos_cap_v2)"
        case .unknownSpacing(let s): return "scheduler: unknown timestep_spacing '\(s)' (leading, trailing, linspace)"
        case .unknownPrediction(let s): return "scheduler: unknown prediction_type '\(s)' (epsilon, v_prediction)"
        case let .badStepCount(n, m): return "scheduler: \(n) steps requested; between 1 and \(m) are possible"
        }
    }
}

public struct NoiseSchedule {
    public let config: SchedulerConfig
    public let betas: [Double]
    /// ᾱ_t = Π (1 − β), rounded through fp32 as diffusers stores it.
    public let alphasCumprod: [Double]

    public init(_ config: SchedulerConfig) throws {
        self.config = config
        let n = config.numTrainTimesteps
        switch config.betaSchedule {
        case "linear":
            betas = NoiseSchedule.linspace(config.betaStart, config.betaEnd, n).map { Double(Float($0)) }
        case "scaled_linear":
            betas = NoiseSchedule.linspace(config.betaStart.squareRoot(), config.betaEnd.squareRoot(), n).map { Double(Float($0 * $0)) }
        case "squaredcos_cap_v2":
            func a(_ t: Double) -> Double { let c = cos((t + 0.008) / 1.008 * Double.pi / 2); return c * c }
            betas = (0..<n).map { i in Double(Float(min(1 - a(Double(i + 1) / Double(n)) / a(Double(i) / Double(n)), 0.999))) }
        default:
            throw SchedulerError.unknownBetaSchedule(config.betaSchedule)
        }
        // torch.cumprod over fp32 alphas, in fp32
        var acc: Float = 1
        alphasCumprod = betas.map { b in acc *= Float(1 - b); return Double(acc) }
        guard ["epsilon", "v_prediction"].contains(config.predictionType) else {
            throw SchedulerError.unknownPrediction(config.predictionType)
        }
    }

    /// Integer timesteps from noisiest to cleanest for `steps` inference steps.
    public func timesteps(_ steps: Int) throws -> [Int] {
        let t = config.numTrainTimesteps
        guard steps >= 1 && steps <= t else { throw SchedulerError.badStepCount(steps, max: t) }
        switch config.timestepSpacing {
        case "leading":
            let ratio = t / steps
            return (0..<steps).reversed().map { $0 * ratio + config.stepsOffset }
        case "trailing":
            let ratio = Double(t) / Double(steps)
            // np.round(np.arange(T, 0, -ratio)) - 1
            var out: [Int] = []
            var v = Double(t)
            while v > 0 && out.count < steps { out.append(Int(v.rounded(.toNearestOrEven)) - 1); v -= ratio }
            return out
        case "linspace":
            return NoiseSchedule.linspace(0, Double(t - 1), steps).reversed().map { Int($0.rounded(.toNearestOrEven)) }
        default:
            throw SchedulerError.unknownSpacing(config.timestepSpacing)
        }
    }

    /// Forward diffusion for training, as diffusers' `add_noise`:
    /// √ᾱ_t · x + √(1 − ᾱ_t) · ε, each sample [i] at its own timestep.
    public func addNoise(_ latents: Tensor, noise: Tensor, timesteps: [Int]) -> Tensor {
        precondition(latents.shape == noise.shape && latents.shape[0] == timesteps.count,
                     "addNoise: latents \(latents.shape), noise \(noise.shape), \(timesteps.count) timesteps")
        let n = timesteps.count
        let a = Tensor(zeros: [n] + [Int](repeating: 1, count: latents.rank - 1))
        let b = Tensor(zeros: a.shape)
        for (i, t) in timesteps.enumerated() {
            let ac = Float(alphasCumprod[t])
            a.data[i] = ac.squareRoot(); b.data[i] = (1 - ac).squareRoot()
        }
        return latents * a + noise * b
    }

    /// min(1/ᾱ_t, cap): the weight that turns a noise-prediction squared error into the
    /// velocity-prediction one (v = √ᾱ ε − √(1−ᾱ) x0 errs by the noise's error over √ᾱ),
    /// so the noisiest steps, where a sample's layout and colours are settled, count as
    /// much as their clean latents' error does; capped, since 1/ᾱ reaches 215 at t = 999.
    public func velocityWeight(_ t: Int, cap: Float) -> Float {
        min(Float(1 / alphasCumprod[t]), cap)
    }

    /// σ_t = √((1 − ᾱ_t)/ᾱ_t) for every training timestep.
    public var sigmas: [Double] { alphasCumprod.map { ((1 - $0) / $0).squareRoot() } }

    static func linspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        n == 1 ? [a] : (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) }
    }

}

/// Karras et al. (2022) sigmas, ρ = 7, between the schedule's smallest and largest.
func karrasSigmas(min: Double, max: Double, count: Int) -> [Double] {
    let rho = 7.0
    let minInv = pow(min, 1 / rho), maxInv = pow(max, 1 / rho)
    return NoiseSchedule.linspace(0, 1, count).map { pow(maxInv + $0 * (minInv - maxInv), rho) }
}

/// The fractional timestep of `sigma` by interpolating log σ over the training schedule
/// (diffusers' _sigma_to_t).
func timestep(forSigma sigma: Double, logSigmas: [Double]) -> Double {
    let ls = log(max(sigma, 1e-10))
    // index of the last log σ not above ls (log σ increases with t)
    var low = 0
    for (i, v) in logSigmas.enumerated() where v <= ls { low = i }
    low = min(low, logSigmas.count - 2)
    let high = low + 1
    var w = (logSigmas[low] - ls) / (logSigmas[low] - logSigmas[high])
    w = Swift.max(0, Swift.min(1, w))
    return (1 - w) * Double(low) + w * Double(high)
}
