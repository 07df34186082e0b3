// Samplers apart from models: each turns the model's output at one step into the
// sample for the next step.
import StrataTensor

public protocol Scheduler {
    /// The timesteps handed to the model, noisiest first (fractional for some samplers).
    var timesteps: [Double] { get }
    /// The standard deviation of the initial noise.
    var initNoiseSigma: Float { get }
    /// Scales the sample before the model sees it (σ-parametrised samplers divide by √(σ²+1)).
    func scaleModelInput(_ sample: Tensor, step: Int) -> Tensor
    /// The sample after step `step` (0-based) given the model's output at it. `noise`
    /// supplies fresh standard normal noise of the sample's shape for stochastic samplers.
    mutating func step(_ modelOutput: Tensor, step: Int, sample: Tensor, noise: () -> Tensor) -> Tensor
}

/// The samplers Strata offers, by the names the command line and the PNG infotext use.
public enum SchedulerKind: String, CaseIterable, Codable, Sendable {
    case ddim, pndm, euler
    case eulerAncestral = "euler_a"
    case dpmpp2m = "dpmpp_2m"
    case dpmpp2mKarras = "dpmpp_2m_karras"

    /// The A1111-style sampler name for infotext.
    public var displayName: String {
        switch self {
        case .ddim: return "DDIM"
        case .pndm: return "PLMS"
        case .euler: return "Euler"
        case .eulerAncestral: return "Euler a"
        case .dpmpp2m: return "DPM++ 2M"
        case .dpmpp2mKarras: return "DPM++ 2M Karras"
        }
    }

    public func make(_ config: SchedulerConfig, steps: Int, eta: Double = 0) throws -> any Scheduler {
        switch self {
        case .ddim: return try DDIMScheduler(config, steps: steps, eta: eta)
        case .pndm: return try PNDMScheduler(config, steps: steps)
        case .euler: return try EulerScheduler(config, steps: steps, ancestral: false)
        case .eulerAncestral: return try EulerScheduler(config, steps: steps, ancestral: true)
        case .dpmpp2m: return try DPMSolverMultistepScheduler(config, steps: steps, karras: config.useKarrasSigmas)
        case .dpmpp2mKarras: return try DPMSolverMultistepScheduler(config, steps: steps, karras: true)
        }
    }
}

extension Tensor {
    /// a·self + b·other, without recording.
    func combined(_ a: Double, _ other: Tensor, _ b: Double) -> Tensor {
        GradMode.disabled { self * Float(a) + other * Float(b) }
    }
}
