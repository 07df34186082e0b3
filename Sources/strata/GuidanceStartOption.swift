import Foundation
import StrataModels

/// The share of sampling steps run without guidance in text-to-image: the option if
/// given, else the model folder's own default (its `strata_generate.json`), else 0.
func resolvedGuidanceStart(_ option: Double?, folder: URL) throws -> Double {
    if let option { return try checkedGuidanceStart(option) }
    do { return try GenerationDefaults.forModel(folder: folder).guidanceStart } catch { throw failure(error) }
}

/// `--guidance-start` as given, or a one-line error and exit 2 when it is not a share.
func checkedGuidanceStart(_ option: Double) throws -> Double {
    guard (0...1).contains(option) else { throw fail("--guidance-start must be between 0 and 1, got \(option)") }
    return option
}
