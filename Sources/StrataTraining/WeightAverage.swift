// An exponential moving average of a model's weights, updated after every optimiser
// step. Diffusion models sample better from the average than from the last step's
// weights, which still carry the noise of the latest batches; the built-in model is
// exported from it. The decay ramps up as (1 + n) / (10 + n) so that an average
// started late (or on a resumed run) follows the weights quickly at first.
import Foundation
import StrataModels
import StrataTensor

public final class WeightAverage {
    public let decay: Float
    /// The averaged copies, by the same names as the weights they follow.
    public private(set) var averaged: [(name: String, tensor: Tensor)]
    let weights: [Tensor]
    var updates: Int

    /// Starts from `start` (a saved average, same names and shapes) or from the weights.
    public init(_ weights: [(name: String, tensor: Tensor)], decay: Float, start: [String: Tensor]? = nil, updates: Int = 0) {
        self.decay = decay
        self.weights = weights.map(\.tensor)
        self.updates = updates
        averaged = weights.map { w in
            let copy = Tensor(zeros: w.tensor.shape)
            let from = start?[w.name].flatMap { $0.shape == w.tensor.shape ? $0 : nil } ?? w.tensor
            copy.data.update(from: from.data, count: copy.count)
            return (w.name, copy)
        }
    }

    /// Resumes the average saved at `url` when there is one (its tensors and update
    /// count), else nil.
    public convenience init?(_ weights: [(name: String, tensor: Tensor)], decay: Float, savedAt url: URL) throws {
        guard let file = try? SafeTensorsFile(path: url.path) else { return nil }
        var start: [String: Tensor] = [:]
        for n in file.names { start[n] = try file.tensor(n) }
        self.init(weights, decay: decay, start: start, updates: Int(file.metadata["updates"] ?? "0") ?? 0)
    }

    /// Writes the average and its update count, for `init(_:decay:savedAt:)`.
    public func save(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafeTensorsFile.write(Dictionary(uniqueKeysWithValues: averaged.map { ($0.name, $0.tensor) }), to: url.path,
                                  metadata: ["updates": "\(updates)", "decay": "\(decay)"])
    }

    /// The decay used at the next update.
    var currentDecay: Float { min(decay, Float(1 + updates) / Float(10 + updates)) }

    public func update() {
        let d = currentDecay
        for (a, w) in zip(averaged, weights) {
            let avg = a.tensor.data, x = w.data
            for i in 0..<a.tensor.count { avg[i] = d * avg[i] + (1 - d) * x[i] }
        }
        updates += 1
    }
}
