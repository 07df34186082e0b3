// What every stage reports and how it stops: progress after each step (with the two
// losses apart where the stage has them), a cancellation check between steps, and an
// error naming the stage and step when a loss stops being a finite number.

public enum EditStage: String, Codable, CaseIterable, Sendable {
    case reference, optimise, finetune, sample
}

public struct StageProgress: Sendable {
    public var stage: EditStage
    public var step: Int
    public var total: Int
    /// Stage 1's subject and background terms, stage 2's L_obj and L_bg.
    public var objectLoss: Float?
    public var backgroundLoss: Float?
    /// Which result (seed index) stage 3 is drawing.
    public var seedIndex: Int?
    /// Set on the first report of a stage that goes on from the state a stopped run
    /// saved: `step` is the saved step, not one just run.
    public var resumed = false

    public init(stage: EditStage, step: Int, total: Int, objectLoss: Float? = nil, backgroundLoss: Float? = nil,
                seedIndex: Int? = nil, resumed: Bool = false) {
        self.stage = stage; self.step = step; self.total = total; self.objectLoss = objectLoss
        self.backgroundLoss = backgroundLoss; self.seedIndex = seedIndex; self.resumed = resumed
    }

    /// Seconds left in a stage at `step` of `total`, from the steps run since it started
    /// at `firstStep` (the saved step of a resumed stage, else 0) in `elapsed` seconds.
    public static func secondsLeft(step: Int, total: Int, firstStep: Int, elapsed: Double) -> Double {
        let ran = step - firstStep
        return ran > 0 ? elapsed / Double(ran) * Double(total - step) : 0
    }
}

public enum EditError: Error, CustomStringConvertible, Equatable {
    case cancelled(EditStage)
    case diverged(stage: EditStage, step: Int)
    case input(String)
    /// A cache-only run met a stage that is not in the cache.
    case notCached(EditStage)
    /// The estimated peak and the memory available, in bytes.
    case memory(needed: Int, limit: Int)

    public var description: String {
        switch self {
        case .cancelled(let s): return "cancelled during \(s.rawValue)"
        case let .diverged(s, n): return "the loss stopped being a finite number at step \(n) of \(s.rawValue); lower that stage's learning rate"
        case .input(let m): return m
        case .notCached(let s): return "\(s.rawValue) is not in the stage cache"
        case let .memory(needed, limit):
            return String(format: "this edit needs about %.1f GB at its peak and %.1f GB are available: fine-tune with lora, or edit a smaller image",
                          Double(needed) / 1e9, Double(limit) / 1e9)
        }
    }
}

/// Receives progress; returns false to cancel the job at the next step boundary.
public typealias ProgressHandler = (StageProgress) -> Bool
