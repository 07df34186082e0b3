import ArgumentParser
import Foundation
import StrataEdit

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "List every edit setting: key, default, valid values, the stage a change reruns from, what it does.")
    @OptionGroup var output: OutputOptions

    struct Row: Codable {
        let key, label: String
        let defaultValue: String
        let valid: String
        let rerunsFrom: String
        let help: String
        enum CodingKeys: String, CodingKey {
            case key, label, valid, help
            case defaultValue = "default", rerunsFrom = "reruns_from"
        }
    }

    func run() throws {
        if output.json {
            try printJSON(EditSettingsSchema.all.map {
                Row(key: $0.key, label: $0.label, defaultValue: $0.display(EditSettings()), valid: $0.expected,
                    rerunsFrom: $0.firstStale.rawValue, help: $0.help)
            })
        } else {
            print(EditSettingsSchema.markdownTable, terminator: "")
        }
    }
}
