import ArgumentParser
import Foundation
import StrataEdit
import StrataLayers
import StrataModels
import StrataTensor

/// Every command's exit statuses, as the README lists them.
enum ExitStatus {
    static let done = ExitCode(0)
    /// Something failed while running (a loss diverged, a file could not be written).
    static let failed = ExitCode(1)
    /// Bad input or usage: a missing or malformed file, an option out of range.
    static let badInput = ExitCode(2)
    /// Stopped by Ctrl-C or SIGTERM (what a stage saved is kept).
    static let interrupted = ExitCode(130)

    /// The status an error thrown while running stands for.
    static func of(_ error: Error) -> ExitCode {
        switch error {
        case let e as EditError:
            switch e {
            case .cancelled: return interrupted
            case .input, .memory: return badInput
            case .diverged, .notCached: return failed
            }
        case let e as GenerationError:
            if case .cancelled = e { return interrupted }
            return badInput
        case is WeightError, is LayeredModelError, is DecodingError, is PNGError, is SafeTensorsError, is CheckpointFileError,
             is ModelFolderError, is SchedulerError, is TokenizerError, is GenerationDefaults.LoadError, is ConfigFileError,
             is SessionLock.Failure: return badInput
        case let e as CocoaError where [.fileNoSuchFile, .fileReadNoSuchFile, .fileReadCorruptFile, .fileReadUnknown].contains(e.code): return badInput
        default: return failed
        }
    }
}

/// Bad input: prints "error: …" and gives the status to throw (2).
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitStatus.badInput
}

/// An error met while running, reported on one line with the status it stands for.
func failure(_ error: Error, _ context: String? = nil) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(context.map { $0 + ": " } ?? "")\(error)\n".utf8))
    return ExitStatus.of(error)
}

/// `--count` of a measuring command: at least one, so that no share is 0 of 0.
func requireCount(_ count: Int, _ option: String = "--count") throws {
    guard count >= 1 else { throw ValidationError("\(option) must be at least 1") }
}
