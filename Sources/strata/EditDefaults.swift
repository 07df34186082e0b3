import Foundation
import ArgumentParser
import StrataEdit
import StrataSprites

extension EditPreset: ExpressibleByArgument {}

/// A model folder's own edit defaults (`strata_edit.json`, tuned for that model) or the
/// method note's, then the preset applied.
func editDefaults(folder: URL, preset: EditPreset) throws -> EditSettings {
    preset.apply(to: try EditSettings.forModel(folder: folder))
}

/// What the built-in model knows, when a text names something outside its sprite world.
func spriteWorldWarning(subject: String, background: String) -> String? {
    guard Caption(parsing: subject + " " + background) == nil else { return nil }
    let unknown = Caption.unknownWords(subject + " " + background)
    let named = unknown.isEmpty ? "" : "it does not know \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); "
    return named + "the built-in model knows only its sprite world: animals \(Animal.allCases.map(\.word).joined(separator: ", ")); "
        + "poses \(Pose.allCases.map(\.word).joined(separator: ", ")); sizes small, big (or none); "
        + "places \(Background.allCases.map(\.phrase).joined(separator: ", "))"
}
