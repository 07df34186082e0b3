// What every trainer shares: the run folder (TrainingState: parameters, optimiser
// moments, progress), its log, one Adam over the trained tensors, the learning-rate
// schedule (warm-up from the run's start or a fresh optimiser, optional cosine
// cool-down), resuming, the loop with its stop check, and saving. A trainer keeps only
// its model and its step.
import Foundation
import StrataModels
import StrataTensor

public final class TrainingRun {
    public let state: TrainingState
    public let log: TrainingLog
    public let optimiser: Adam
    public internal(set) var progress: TrainingProgress
    let name: String
    let batch: Int
    let learningRate: Float
    let warmupSteps: Int
    let logEvery: Int
    let saveEvery: Int
    let maxGradientNorm: Float

    /// What a run is given: its name in logs, the tensors it trains, the settings the
    /// progress file records, the learning rate and its schedule, batch and intervals.
    public struct Plan {
        public var name: String
        public var batch: Int
        public var learningRate: Float
        public var warmupSteps: Int
        /// A cosine cool-down's length from the step it is first set (0: none).
        public var decaySteps = 0
        public var logEvery = 25
        public var saveEvery = 250
        /// Clip the gradients' joint norm to this before each step (0: no clipping).
        public var maxGradientNorm: Float = 0
        /// Settings the progress file records when the run starts.
        public var settings: [String: String] = [:]
        public init(name: String, batch: Int, learningRate: Float, warmupSteps: Int) {
            self.name = name; self.batch = batch; self.learningRate = learningRate; self.warmupSteps = warmupSteps
        }
    }

    /// Resumes the run in `folder` (with its optimiser's moments when `compatible` says
    /// they fit the trained tensors, else a fresh optimiser that warms up again), or
    /// starts one, from step 0 or from finished weights at `startStep`.
    /// `log` is the run folder's log when the trainer opened it first.
    public init(folder: URL, plan: Plan, trained: [Tensor], parameterCount: Int, startStep: Int? = nil, log: TrainingLog? = nil,
                compatible: (TrainingProgress) -> Bool = { _ in true }) throws {
        state = TrainingState(folder: folder)
        self.log = log ?? TrainingLog(folder: folder)
        name = plan.name; batch = plan.batch; learningRate = plan.learningRate; warmupSteps = plan.warmupSteps
        logEvery = plan.logEvery; saveEvery = plan.saveEvery; maxGradientNorm = plan.maxGradientNorm
        optimiser = Adam(trained.map { $0.requiringGrad() }, learningRate: plan.learningRate)
        progress = try state.begin(plan.name, optimiser: optimiser, settings: plan.settings, parameters: parameterCount, log: self.log,
                                   startStep: startStep, batch: plan.batch, compatible: compatible)
        record("lr", "\(plan.learningRate)", unsetMeans: "\(plan.learningRate)")
        record(TrainingState.decayKey, "\(plan.decaySteps)", unsetMeans: "0")
        record("max_grad_norm", "\(plan.maxGradientNorm)", unsetMeans: "0.0")
    }

    public var exists: Bool { state.exists }

    /// Records a setting a resumed run changes, and the step it applies from.
    public func record(_ key: String, _ value: String, unsetMeans before: String) {
        TrainingState.record(key, value, unsetMeans: before, in: &progress, log: log)
    }

    /// Sets the schedule's learning rate for step `index`, clips the gradients the
    /// trainer's step left (when the plan says so) and takes one optimiser step on them.
    /// Returns the gradients' norm before clipping when clipping.
    @discardableResult
    public func optimiserStep(_ index: Int) -> Float? {
        optimiser.learningRate = learningRate * TrainingState.learningRateFactor(index, warmupSteps: warmupSteps, progress: progress)
        let norm = maxGradientNorm > 0 ? optimiser.clipGradientNorm(maxGradientNorm) : nil
        optimiser.step()
        return norm
    }

    /// Runs `step` (forward, backward and `optimiserStep`; returns the loss and a note for
    /// the log) until `steps` or a stop request, saving every `saveEvery` steps and at the end.
    public func run(until steps: Int, shouldStop: () -> Bool, step: (_ index: Int) -> (loss: Float, note: String),
                    save: (TrainingProgress) throws -> Void) throws {
        let loop = TrainingLoop(name: name, batch: batch, logEvery: logEvery, saveEvery: saveEvery, log: log)
        progress = try loop.run(until: steps, from: progress, shouldStop: shouldStop, step: step, save: save)
    }

    /// Saves parameter groups, the optimiser, the weight average when there is one, and
    /// the progress, as one checkpoint.
    public func save(_ groups: [String: [(name: String, tensor: Tensor)]], average: WeightAverage? = nil, progress: TrainingProgress) throws {
        try state.save(parameters: groups, optimiser: optimiser, progress: progress) { folder in
            try average?.save(to: folder.appendingPathComponent(TrainingState.averageName))
        }
    }
}
