// The loop every trainer shares: run steps until the target or a stop request, keep the
// progress record (steps, samples, time, a moving average of the loss), log a line
// every few steps with throughput and time left, and save every few hundred steps.
import Foundation

/// A step whose loss is NaN or infinite: its update has spoiled the weights in memory, so
/// the run stops without saving them; the last checkpoint stays as it was.
public struct NonFiniteLossError: Error, CustomStringConvertible {
    public let name: String
    public let step: Int
    public let lastSaved: Int
    public var description: String {
        "\(name): the loss was not a finite number at step \(step); stopped without saving, the run keeps its checkpoint at step \(lastSaved) (a lower --lr or --max-grad-norm may help)"
    }
}

struct TrainingLoop {
    let name: String
    let batch: Int
    let logEvery: Int
    let saveEvery: Int
    let log: TrainingLog

    /// `step` runs optimisation step number `index` (it picks that step's data) and
    /// returns its loss and extra text for the log. Returns the progress reached.
    func run(until steps: Int, from start: TrainingProgress, shouldStop: () -> Bool,
             step: (_ index: Int) -> (loss: Float, note: String), save: (TrainingProgress) throws -> Void) throws -> TrainingProgress {
        var progress = start
        var last = Date()
        var samplesSinceLog = 0
        var lastSaved = start.step
        while progress.step < steps && !shouldStop() {
            let t0 = Date()
            let (loss, note) = step(progress.step)
            guard loss.isFinite else { throw NonFiniteLossError(name: name, step: progress.step + 1, lastSaved: lastSaved) }
            progress.secondsTrained += Date().timeIntervalSince(t0)
            progress.step += 1
            progress.samplesSeen += batch
            samplesSinceLog += batch
            progress.lossEMA = progress.lossEMA.map { 0.98 * $0 + 0.02 * Double(loss) } ?? Double(loss)
            if progress.step % logEvery == 0 {
                let rate = Double(samplesSinceLog) / Date().timeIntervalSince(last)
                let left = Double((steps - progress.step) * batch) / rate
                log.line(String(format: "%@ step %d/%d  loss %.5f (ema %.5f)%@  %.1f samples/s  %@ left",
                                name, progress.step, steps, loss, progress.lossEMA!, note, rate, TrainingLog.clock(left)))
                last = Date(); samplesSinceLog = 0
            }
            if progress.step % saveEvery == 0 { try save(progress); lastSaved = progress.step }
        }
        try save(progress)
        return progress
    }
}
