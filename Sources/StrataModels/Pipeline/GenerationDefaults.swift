// A model folder's own text-to-image defaults (`strata_generate.json`), chosen by
// measurement for that model; a folder without the file samples as diffusers does.
import Foundation

public struct GenerationDefaults: Equatable, Sendable {
    /// The share of the steps, noisiest first, run without guidance (GuidedSampler).
    public var guidanceStart: Double = 0

    public init() {}

    public static let fileName = "strata_generate.json"

    public enum LoadError: Error, CustomStringConvertible {
        case invalid(path: String, reason: String)
        public var description: String {
            switch self { case let .invalid(path, reason): return "\(path): not valid generation defaults (\(reason))" }
        }
    }

    /// The folder's defaults; a name that is not a setting, or a value out of range, is
    /// an error, so a misspelt one is not ignored.
    public static func forModel(folder: URL) throws -> GenerationDefaults {
        let file = folder.appendingPathComponent(fileName)
        var d = GenerationDefaults()
        guard FileManager.default.fileExists(atPath: file.path) else { return d }
        func invalid(_ reason: String) -> LoadError { .invalid(path: file.path, reason: reason) }
        guard let data = try? Data(contentsOf: file), let object = (try? JSONValue(data: data))?.objectValue else {
            throw invalid("not a JSON object")
        }
        for (key, value) in object {
            switch key {
            case "guidance_start":
                guard let v = value.doubleValue, (0...1).contains(v) else { throw invalid("guidance_start must be a number from 0 to 1") }
                d.guidanceStart = v
            default: throw invalid("unknown setting \"\(key)\"")
            }
        }
        return d
    }
}
