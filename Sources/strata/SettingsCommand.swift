import ArgumentParser
import Foundation
import StrataEdit

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "List every edit setting: key, default, valid values, the stage a change reruns from, what it does.")
    @OptionGroup var output: OutputOptions

    func run() throws {
        if output.json {
            let rows = EditSettingsSchema.all.map { e -> [String: Any] in
                var row: [String: Any] = ["key": e.key, "label": e.label, "valid": e.expected, "reruns_from": e.firstStale.rawValue, "help": e.help]
                row["default"] = e.display(EditSettings())
                return row
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        } else {
            print(EditSettingsSchema.markdownTable, terminator: "")
        }
    }
}
