// Checkpoints inside the long stages (1 and 2; method.md: "long stages checkpoint inside
// the stage, so a cancelled or killed job resumes where it stopped"). A stage saves its
// state (what it trains, Adam's moments, its noise generator, the step) in the stage
// cache under its own key, every `interval` seconds and when it is cancelled; a later
// run of the same stage goes on from the saved step and draws the same noise an
// uninterrupted run would, so it ends with the same result.
import Foundation
import StrataTensor

public struct StageResume {
    /// Seconds between checkpoints. At least 20 times the last checkpoint's writing time
    /// passes between two, so that a large state (a fully fine-tuned Stable Diffusion
    /// UNet with its moments is about 10 GB) costs at most a twentieth of the stage.
    public var interval: TimeInterval
    /// A cancel saves the state only when the last checkpoint is at least this old (or
    /// `interval`, if shorter): the editor cancels stages all the time as settings change,
    /// mostly within seconds.
    public var cancelMinimum: TimeInterval

    let cache: StageCache?
    let key: StageKey?
    /// The state a run of this stage saved, which the stage goes on from.
    public let saved: StageCache.Entry?
    private var lastSave = Date()
    private var lastWriteSeconds = 0.0

    /// Checkpoints `key` in `cache`.
    public init(cache: StageCache, key: StageKey, interval: TimeInterval = 60, cancelMinimum: TimeInterval = 5) {
        self.cache = cache; self.key = key; self.interval = interval; self.cancelMinimum = cancelMinimum
        saved = cache.partial(key)
    }

    /// No checkpoints (a stage run on its own, as the baselines do).
    public init() {
        cache = nil; key = nil; interval = .infinity; cancelMinimum = .infinity; saved = nil
    }

    /// Called after each finished step, and with `cancelling` when the stage is about to
    /// stop: saves `state()` when a checkpoint is due.
    public mutating func stepDone(cancelling: Bool = false, _ state: () -> StageCache.Entry) {
        guard let cache, let key else { return }
        let age = Date().timeIntervalSince(lastSave)
        guard age >= (cancelling ? min(interval, cancelMinimum) : max(interval, 20 * lastWriteSeconds)) else { return }
        let t0 = Date()
        cache.putPartial(key, state())
        lastWriteSeconds = Date().timeIntervalSince(t0)
        lastSave = Date()
    }

    // The noise generator's state as exact floats: 16-bit pieces of each 64-bit word.
    static func tensor(_ rng: StrataRandom) -> Tensor {
        let words = rng.state
        return Tensor(words.flatMap { w in (0..<4).map { Float((w >> (16 * UInt64($0))) & 0xFFFF) } }, shape: [words.count * 4])
    }

    static func random(_ t: Tensor?) -> StrataRandom? {
        guard let s = t?.scalars, s.count % 4 == 0 else { return nil }
        let words = stride(from: 0, to: s.count, by: 4).map { i in
            (0..<4).reduce(UInt64(0)) { $0 | UInt64(s[i + $1]) << (16 * UInt64($1)) }
        }
        return StrataRandom(state: words)
    }

    /// A stage's state: its step, noise generator, optimiser moments, last losses, and
    /// copies of the tensors it trains, by name.
    static func state(step: Int, rng: StrataRandom, adam: Adam, last: (Float, Float)?,
                      trained: [(name: String, tensor: Tensor)]) -> StageCache.Entry {
        var e: StageCache.Entry = ["resume.step": Tensor([Float(step)], shape: [1]), "resume.rng": tensor(rng)]
        for (k, t) in adam.state { e["resume.adam." + k] = t.copy() }
        if let last { e["resume.losses"] = Tensor([last.0, last.1], shape: [2]) }
        for (n, t) in trained { e["resume.param." + n] = t.detached().copy() }
        return e
    }

    /// Puts what `state` saved back into the trained tensors and `adam`, and returns the
    /// step to go on from, the generator and the last losses. Changes nothing and returns
    /// nil when the saved state does not fit (another shape, a missing tensor, more steps
    /// than `steps`).
    static func restore(_ e: StageCache.Entry, adam: Adam, trained: [(name: String, tensor: Tensor)], steps: Int)
        -> (step: Int, rng: StrataRandom, last: (Float, Float)?)? {
        guard let step = e["resume.step"]?.scalars.first, Int(step) <= steps, let rng = random(e["resume.rng"]) else { return nil }
        let values = trained.map { e["resume.param." + $0.name] }
        guard zip(values, trained).allSatisfy({ $0?.shape == $1.tensor.shape }) else { return nil }
        var moments: [String: Tensor] = [:]
        for (k, t) in e where k.hasPrefix("resume.adam.") { moments[String(k.dropFirst("resume.adam.".count))] = t }
        let fits = adam.parameters.indices.allSatisfy { i in
            moments["m.\(i)"]?.shape == adam.parameters[i].shape && moments["v.\(i)"]?.shape == adam.parameters[i].shape
        }
        guard fits, (try? adam.load(state: moments)) != nil else { return nil }
        for (v, t) in zip(values, trained) { t.tensor.data.update(from: v!.data, count: t.tensor.count) }
        let l = e["resume.losses"]?.scalars
        return (Int(step), rng, l.map { ($0[0], $0[1]) })
    }
}
