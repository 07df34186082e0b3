import ArgumentParser
import Foundation
import StrataTensor

/// `--threads`, shared by every command that runs the engine.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Engine threads (default: all cores).") var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Sets the engine's thread count when one was given.
    func apply() { if let threads { Engine.threads = threads } }
}

/// `--json` and `--quiet`, shared by every command that reports results.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON document on standard output instead of text.") var json = false
    @Flag(help: "No progress or notes on standard error (errors are still shown).") var quiet = false

    /// Progress and notes on standard error, silent with --quiet.
    func makeLog() -> StderrLog { StderrLog(quiet: quiet) }
}

/// Prints a Codable value as one JSON document (sorted keys) on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
