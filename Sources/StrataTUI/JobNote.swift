// A line a job's thread posts for the interface (the job's expected duration), taken by
// the next poll on the interface's thread.
import Synchronization

final class JobNote: Sendable {
    private let text = Mutex<String?>(nil)

    func post(_ line: String) { text.withLock { $0 = line } }

    /// The posted line, once.
    func take() -> String? { text.withLock { t in defer { t = nil }; return t } }
}
