// scheduler/scheduler_config.json of a diffusers model folder.
import Foundation

public struct SchedulerConfig: Codable, Equatable {
    public var className: String?
    public var numTrainTimesteps: Int = 1000
    public var betaStart: Double = 0.00085
    public var betaEnd: Double = 0.012
    /// "linear", "scaled_linear" or "squaredcos_cap_v2".
    public var betaSchedule: String = "scaled_linear"
    public var stepsOffset: Int = 1
    /// "leading", "trailing" or "linspace".
    public var timestepSpacing: String = "leading"
    public var setAlphaToOne: Bool = false
    /// "epsilon" or "v_prediction".
    public var predictionType: String = "epsilon"
    public var useKarrasSigmas: Bool = false

    enum CodingKeys: String, CodingKey {
        case className = "_class_name"
        case numTrainTimesteps = "num_train_timesteps", betaStart = "beta_start", betaEnd = "beta_end"
        case betaSchedule = "beta_schedule", stepsOffset = "steps_offset", timestepSpacing = "timestep_spacing"
        case setAlphaToOne = "set_alpha_to_one", predictionType = "prediction_type", useKarrasSigmas = "use_karras_sigmas"
    }

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        className = try c.decodeIfPresent(String.self, forKey: .className)
        numTrainTimesteps = try c.decodeIfPresent(Int.self, forKey: .numTrainTimesteps) ?? 1000
        betaStart = try c.decodeIfPresent(Double.self, forKey: .betaStart) ?? 0.00085
        betaEnd = try c.decodeIfPresent(Double.self, forKey: .betaEnd) ?? 0.012
        betaSchedule = try c.decodeIfPresent(String.self, forKey: .betaSchedule) ?? "scaled_linear"
        stepsOffset = try c.decodeIfPresent(Int.self, forKey: .stepsOffset) ?? 1
        timestepSpacing = try c.decodeIfPresent(String.self, forKey: .timestepSpacing) ?? "leading"
        setAlphaToOne = try c.decodeIfPresent(Bool.self, forKey: .setAlphaToOne) ?? false
        predictionType = try c.decodeIfPresent(String.self, forKey: .predictionType) ?? "epsilon"
        useKarrasSigmas = try c.decodeIfPresent(Bool.self, forKey: .useKarrasSigmas) ?? false
        let check = ConfigCheck(container: c)
        try check.range(numTrainTimesteps, 2...100_000, .numTrainTimesteps)
        try check.positive(betaStart, below: 1, .betaStart)
        try check.positive(betaEnd, below: 1, .betaEnd)
        try check.require(betaStart <= betaEnd, .betaEnd, "is \(betaEnd), below beta_start \(betaStart)")
        try check.range(stepsOffset, 0...(numTrainTimesteps - 1), .stepsOffset)
    }

    public static func load(_ url: URL) throws -> SchedulerConfig {
        try ConfigFile.read(SchedulerConfig.self, from: url)
    }
}
