// Reads a JSON config (config.json, scheduler_config.json) into its Codable type, with an
// error of one line that names the file and the field: "…/unet/config.json:
// attention_head_dim has 2 entries, not 3–3".
import Foundation

public struct ConfigFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

public enum ConfigFile {
    public static func read<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConfigFileError(path: url.path, reason: FileManager.default.fileExists(atPath: url.path) ? "cannot be read" : "missing")
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw ConfigFileError(path: url.path, reason: reason(error))
        }
    }

    /// A decoding error in words: the field, then what is wrong with it.
    static func reason(_ error: Error) -> String {
        guard let e = error as? DecodingError else { return "not valid JSON (\(error))" }
        func field(_ path: [CodingKey]) -> String { path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
        switch e {
        case let .dataCorrupted(c):
            if c.codingPath.isEmpty { return "not valid JSON" }
            return c.debugDescription.hasPrefix(c.codingPath.last!.stringValue) ? c.debugDescription : "\(field(c.codingPath)): \(c.debugDescription)"
        case let .typeMismatch(type, c):
            let names = ["Int": "a whole number", "Double": "a number", "Float": "a number", "String": "text", "Bool": "true or false",
                         "Array<Any>": "a list", "Dictionary<String, Any>": "an object"]
            return c.codingPath.isEmpty ? "not a JSON object" : "\(field(c.codingPath)) is not \(names["\(type)"] ?? "\(type)")"
        case let .keyNotFound(key, c): return "\(field(c.codingPath + [key])) is missing"
        case let .valueNotFound(_, c): return "\(field(c.codingPath)) is null"
        @unknown default: return "\(e)"
        }
    }
}
