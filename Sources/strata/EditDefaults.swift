import Foundation
import ArgumentParser
import StrataEdit
import StrataModels
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
    return "the built-in model knows only its sprite world: animals \(Animal.allCases.map(\.word).joined(separator: ", ")); "
        + "poses \(Pose.allCases.map(\.word).joined(separator: ", ")); sizes small, big (or none); "
        + "places \(Background.allCases.map(\.phrase).joined(separator: ", "))"
}

/// The share of sampling steps run without guidance in text-to-image: the option if
/// given, else the model folder's own default (its `strata_generate.json`), else 0.
func resolvedGuidanceStart(_ option: Double?, folder: URL) throws -> Double {
    if let option {
        guard (0...1).contains(option) else { throw fail("--guidance-start must be between 0 and 1, got \(option)") }
        return option
    }
    do { return try GenerationDefaults.forModel(folder: folder).guidanceStart } catch { throw fail("\(error)") }
}
