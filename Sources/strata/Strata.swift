import ArgumentParser
import Foundation
import StrataTensor

@main
struct Strata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Layered, text-guided image editing with diffusion models.",
        discussion: """
            Exit statuses: 0 done, 1 failed while running, 2 bad input or usage, 130 interrupted \
            (what a stopped job saved is kept; the same command goes on from there).
            """,
        version: StrataVersion.string,
        subcommands: [Open.self, Edit.self, MaskCommand.self, Generate.self, Layers.self, Convert.self, SettingsCommand.self],
        groupedSubcommands: [CommandGroup(name: "Development (the built-in world: measure, train, benchmark)",
                                          subcommands: [Eval.self, Train.self, Bench.self, Judge.self, Sprites.self])],
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
