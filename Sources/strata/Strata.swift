import ArgumentParser
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
}
