import Foundation

/// Progress and notes on standard error, so standard output stays clean for results and JSON.
struct StderrLog {
    let quiet: Bool
    private var isTTY: Bool { isatty(2) != 0 }

    func line(_ s: String) {
        guard !quiet else { return }
        clearProgress()
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    func progress(_ stage: String, _ step: Int, _ total: Int, _ what: String) {
        guard !quiet, isTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(stage) \(step)/\(total) \(what)".utf8))
    }

    func clearProgress() {
        guard !quiet, isTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
