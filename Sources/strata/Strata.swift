import ArgumentParser
import Foundation
import StrataTensor

@main
struct Strata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Layered, text-guided image editing with diffusion models.",
        version: StrataVersion.string,
        subcommands: [Open.self, Edit.self, MaskCommand.self, Generate.self, Convert.self, SettingsCommand.self, Sprites.self, Train.self, Judge.self, Eval.self, Bench.self],
        defaultSubcommand: Open.self
    )

    /// ArgumentParser's main with the README's exit statuses: usage errors exit 2, not 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            // ArgumentParser's own usage errors (validationFailure, 64) are bad input.
            Foundation.exit(code == .validationFailure ? ExitStatus.badInput.rawValue
                            : error is ExitCode ? code.rawValue : ExitStatus.of(error).rawValue)
        }
    }
}
