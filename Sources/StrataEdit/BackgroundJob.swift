// Work (an edit, a layered generation) running on a thread of its own, for interfaces
// that must never wait: start it, read its latest progress at any time, cancel it (it
// stops at the next step boundary), and collect its result or error when it is done.
import Foundation
import Synchronization

public final class BackgroundJob<Output>: @unchecked Sendable {
    public enum State {
        case running
        case finished(Output)
        case failed(Error)
    }

    private struct Shared {
        var progress: StageProgress?
        var state: State = .running
    }
    private let shared = Mutex(Shared())
    private let cancelled = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)

    /// Starts `work` on a new thread (a baseline, a sweep of several edits), handing it
    /// the progress handler that records progress and reports cancellation. With `after`,
    /// the thread first waits for that (the job this one replaces) to end, and a job
    /// cancelled meanwhile ends without starting its work.
    public init(after previous: (@Sendable () -> Void)? = nil, _ work: @escaping @Sendable (ProgressHandler) throws -> Output) {
        let thread = Thread { [self] in
            let outcome: State
            do {
                previous?()
                guard !self.cancelled.load(ordering: .relaxed) else { throw JobCancelled() }
                outcome = .finished(try work { p in
                    self.shared.withLock { $0.progress = p }
                    return !self.cancelled.load(ordering: .relaxed)
                })
            } catch {
                outcome = .failed(error)
            }
            self.shared.withLock { $0.state = outcome }
            self.done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The last progress report, nil before the first.
    public var progress: StageProgress? { shared.withLock { $0.progress } }

    public var state: State { shared.withLock { $0.state } }

    public var isRunning: Bool { if case .running = state { return true } else { return false } }

    /// Asks the job to stop at its next step boundary; it then fails with `cancelled`.
    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Blocks until the job ends (for command-line use and tests, not for interfaces).
    @discardableResult
    public func wait() -> State {
        done.wait()
        done.signal()
        return state
    }
}

/// The end of a job cancelled before its work started.
public struct JobCancelled: Error, CustomStringConvertible {
    public var description: String { "cancelled before it started" }
}

/// An edit's job.
public typealias EditJob = BackgroundJob<EditResult>

extension BackgroundJob where Output == EditResult {
    /// Starts `edit` on `inputs` with `settings` on a new thread.
    public convenience init(edit: LayerDiffusionEdit, inputs: EditInputs, settings: EditSettings) {
        self.init { progress in try edit.run(inputs, settings: settings, progress: progress) }
    }
}
