// A training run's folder: the parameters (fp32), the optimiser's moments, the weight
// average and a small JSON of progress, saved together after every few hundred steps in
// `checkpoint/`, which is replaced in whole (AtomicFolder), so a run stopped at any
// moment resumes from its last save with the same data order.
import Foundation
import StrataModels
import StrataTensor

public struct TrainingProgress: Codable {
    public var step: Int
    public var samplesSeen: Int
    public var secondsTrained: Double
    public var lossEMA: Double?
    public var settings: [String: String]
    enum CodingKeys: String, CodingKey {
        case step, settings
        case samplesSeen = "samples_seen", secondsTrained = "seconds_trained", lossEMA = "loss_ema"
    }
}

public enum TrainingStateError: Error, CustomStringConvertible {
    case mismatch(String)
    public var description: String {
        switch self { case .mismatch(let s): return s }
    }
}

public struct TrainingState {
    public let folder: URL
    public init(folder: URL) { self.folder = folder }

    /// The folder each save replaces in whole.
    var checkpointFolder: URL { folder.appendingPathComponent("checkpoint") }
    /// The last save: `checkpoint/`, or the run folder itself for runs saved before
    /// checkpoints had a folder of their own (their files are read as they are).
    var checkpoint: URL {
        FileManager.default.fileExists(atPath: checkpointFolder.appendingPathComponent(Self.progressName).path) ? checkpointFolder : folder
    }

    static let progressName = "progress.json"
    static let averageName = "average.safetensors"
    static let optimiserName = "optimiser.safetensors"
    static func parametersName(_ group: String) -> String { "parameters-\(group).safetensors" }

    var progressURL: URL { checkpoint.appendingPathComponent(Self.progressName) }
    func parametersURL(_ group: String) -> URL { checkpoint.appendingPathComponent(Self.parametersName(group)) }
    /// The weight average of a run that keeps one (UNetTrainer).
    var averageURL: URL { checkpoint.appendingPathComponent(Self.averageName) }
    var optimiserURL: URL { checkpoint.appendingPathComponent(Self.optimiserName) }

    public var exists: Bool { FileManager.default.fileExists(atPath: progressURL.path) }

    public func readProgress() throws -> TrainingProgress {
        try JSONDecoder().decode(TrainingProgress.self, from: Data(contentsOf: progressURL))
    }

    /// Saves parameters, optimiser, whatever `extra` writes into the new checkpoint folder
    /// (a weight average) and the progress as one new `checkpoint/`, swapped in whole.
    public func save(parameters groups: [String: [(name: String, tensor: Tensor)]], optimiser: Adam, progress: TrainingProgress,
                     extra: (URL) throws -> Void = { _ in }) throws {
        try AtomicFolder.write(checkpointFolder) { staging in
            for (group, parameters) in groups {
                try SafeTensorsFile.write(Dictionary(parameters.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a }),
                                          to: staging.appendingPathComponent(Self.parametersName(group)).path)
            }
            try SafeTensorsFile.write(optimiser.state, to: staging.appendingPathComponent(Self.optimiserName).path)
            try extra(staging)
            try JSONEncoder.sorted.encode(progress).writeDurably(to: staging.appendingPathComponent(Self.progressName))
        }
        // A run saved before checkpoints had their folder: its files are superseded now.
        let fm = FileManager.default
        let legacy = [Self.progressName, Self.averageName, Self.optimiserName]
            + ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix("parameters-") && $0.hasSuffix(".safetensors") }
        for name in legacy { try? fm.removeItem(at: folder.appendingPathComponent(name)) }
    }

    /// Removes what a writer killed mid-save left in the run folder.
    func removeLeftovers() {
        AtomicFolder.recover(checkpointFolder)
        DurableFile.removeLeftovers(in: folder)
    }

    /// A weight store over one group of saved parameters (one model), to resume or export.
    public func parameterStore(_ group: String) throws -> WeightStore { try WeightStore(path: parametersURL(group).path) }

    public func restore(optimiser: Adam) throws {
        let file = try SafeTensorsFile(path: optimiserURL.path)
        var state: [String: Tensor] = [:]
        for n in file.names { state[n] = try file.tensor(n) }
        try optimiser.load(state: state)
    }
}

extension TrainingState {
    /// The run's progress: resumed from the folder, with the optimiser's moments restored
    /// when `compatible` says the saved ones fit (else a fresh optimiser goes on from the
    /// saved step), or a new run with `settings`.
    /// `startStep` is set when a new run starts from finished weights (an exported model
    /// whose run folder is gone): it goes on from that step with a fresh optimiser.
    func begin(_ name: String, optimiser: Adam, settings: [String: String], parameters: Int, log: TrainingLog,
               startStep: Int? = nil, batch: Int = 0,
               compatible: (TrainingProgress) -> Bool = { _ in true }) throws -> TrainingProgress {
        removeLeftovers()
        guard exists else {
            if let startStep {
                log.line("new \(name) training run from finished weights at step \(startStep): \(parameters) parameters, fresh optimiser")
                return TrainingProgress(step: startStep, samplesSeen: startStep * batch, secondsTrained: 0, lossEMA: nil,
                                        settings: settings.merging(["started_from_step": "\(startStep)", Self.warmupKey: "\(startStep)"]) { $1 })
            }
            log.line("new \(name) training run: \(parameters) parameters")
            return TrainingProgress(step: 0, samplesSeen: 0, secondsTrained: 0, lossEMA: nil, settings: settings)
        }
        var progress = try readProgress()
        if compatible(progress), FileManager.default.fileExists(atPath: optimiserURL.path) {
            try restore(optimiser: optimiser)
            log.line("resuming \(name) training at step \(progress.step)")
        } else {
            log.line("\(name) training goes on at step \(progress.step) with a fresh optimiser")
            progress.settings[Self.warmupKey] = "\(progress.step)"
        }
        return progress
    }

    /// Records a setting a resumed run changes (its caption mix, its learning rate): the
    /// progress file keeps the new value and the step it applies from.
    static func record(_ key: String, _ value: String, unsetMeans before: String, in progress: inout TrainingProgress, log: TrainingLog) {
        guard progress.settings[key, default: before] != value else { return }
        log.line("\(key) \(value) from step \(progress.step)")
        progress.settings[key] = value
        progress.settings[key + "_from_step"] = "\(progress.step)"
    }

    /// The progress setting naming the step a fresh optimiser started at: the learning
    /// rate warms up again from there, since fresh Adam moments make the first steps large.
    static let warmupKey = "warmup_from_step"

    /// The learning-rate factor at step `index`: linear warm-up over `steps` from the
    /// run's start or from where a fresh optimiser took over.
    static func warmup(_ index: Int, steps: Int, progress: TrainingProgress) -> Float {
        let from = Int(progress.settings[warmupKey] ?? "0") ?? 0
        return min(1, Float(index + 1 - from) / Float(max(1, steps)))
    }

    /// The progress setting holding the length of a cool-down (0 or unset: none); it
    /// starts at the step recorded beside it (`lr_decay_steps_from_step`).
    static let decayKey = "lr_decay_steps"
    /// The share of the learning rate a cool-down ends at, and keeps afterwards.
    static let decayFloor: Float = 0.1

    /// The learning-rate factor at step `index`: the warm-up, times a cosine cool-down
    /// to `decayFloor` when the run has one. A run that trains on at a constant rate
    /// leaves the noise of its last steps in the weights; cooling down settles them.
    static func learningRateFactor(_ index: Int, warmupSteps: Int, progress: TrainingProgress) -> Float {
        let factor = warmup(index, steps: warmupSteps, progress: progress)
        guard let length = Int(progress.settings[decayKey] ?? ""), length > 0 else { return factor }
        let from = Int(progress.settings[decayKey + "_from_step"] ?? "0") ?? 0
        let t = min(1, max(0, Float(index - from) / Float(length)))
        return factor * (decayFloor + (1 - decayFloor) * 0.5 * (1 + cos(Float.pi * t)))
    }
}
