import Foundation
import ArgumentParser
import StrataEdit

extension EditPreset: ExpressibleByArgument {}

/// A model folder's own edit defaults (`strata_edit.json`, tuned for that model) or the
/// method note's, then the preset applied.
func editDefaults(folder: URL, preset: EditPreset) -> EditSettings {
    let file = folder.appendingPathComponent("strata_edit.json")
    let own = (try? JSONDecoder().decode(EditSettings.self, from: Data(contentsOf: file))) ?? EditSettings()
    return preset.apply(to: own)
}
