import Foundation

/// Notes and progress on standard error, so standard output stays clean for results and
/// JSON. Every long job reports through `progress`: on a terminal a bar with the time
/// left, redrawn in place; otherwise (a log file, a batch run) a plain line every few
/// seconds and at the end, so logs show progress too.
final class StderrLog: @unchecked Sendable {
    let quiet: Bool
    let isTerminal: Bool
    /// Seconds between plain progress lines when standard error is not a terminal.
    let lineInterval: TimeInterval
    private var task: String?
    private var started = Date(), firstStep = 0, lastLine = Date.distantPast, drawn = false
    private let lock = NSLock()

    init(quiet: Bool, isTerminal: Bool = isatty(2) != 0, lineInterval: TimeInterval = 5) {
        self.quiet = quiet; self.isTerminal = isTerminal; self.lineInterval = lineInterval
    }

    func line(_ s: String) {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        clearLocked()
        write(s + "\n")
    }

    /// Step `step` of `total` of `task` (a new task name starts its clock), with a note
    /// (losses, what is being done) after the bar.
    func progress(_ task: String, _ step: Int, _ total: Int, _ note: String = "") {
        guard !quiet else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        if task != self.task { self.task = task; started = now; firstStep = step; lastLine = .distantPast }
        let elapsed = now.timeIntervalSince(started)
        let done = step - firstStep
        let left = done > 0 && total > step ? elapsed / Double(done) * Double(total - step) : 0
        let timing = done > 0 ? String(format: "%@ elapsed, %@ left", Self.clock(elapsed), Self.clock(left)) : Self.clock(elapsed) + " elapsed"
        let tail = note.isEmpty ? "" : "  " + note
        if isTerminal {
            let width = 24, filled = total > 0 ? min(width, step * width / total) : width
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            write("\r\u{1B}[2K\(task) \(bar) \(step)/\(total)  \(timing)\(tail)")
            drawn = true
        } else if now.timeIntervalSince(lastLine) >= lineInterval || step >= total {
            let share = total > 0 ? Double(step) * 100 / Double(total) : 100
            write(String(format: "%@ %d/%d (%.0f%%)  %@%@\n", task, step, total, share, timing, tail))
            lastLine = now
        }
    }

    func clearProgress() {
        lock.lock(); defer { lock.unlock() }
        clearLocked()
    }

    private func clearLocked() {
        guard drawn, isTerminal else { return }
        write("\r\u{1B}[2K")
        drawn = false
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }

    /// "0:42", "1:02:03".
    static func clock(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded()))
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
