// Where Strata's shipped data lives: the sprite atlas, the built-in model, the judge and
// the bundled example. Looked up at run time so that `swift run`, an installed binary
// and the tests all find the same folder.
import Foundation

public enum StrataAssets {
    public struct NotFound: Error, CustomStringConvertible {
        public let searched: [String]
        public var description: String {
            "Strata's Assets folder was not found (looked in \(searched.joined(separator: ", "))); set STRATA_ASSETS to its path"
        }
    }

    /// The Assets folder: $STRATA_ASSETS, else the nearest `Assets/` above the executable
    /// or the working directory that holds the sprite atlas.
    public static func directory() throws -> URL {
        var searched: [String] = []
        if let env = ProcessInfo.processInfo.environment["STRATA_ASSETS"], !env.isEmpty {
            let url = URL(fileURLWithPath: env)
            if isAssets(url) { return url }
            searched.append(env)
        }
        let starts = [URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent(),
                      URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent("Assets")
                if isAssets(candidate) { return candidate }
                searched.append(candidate.path)
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw NotFound(searched: searched)
    }

    static func isAssets(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent("sprites/atlas.json").path)
    }

    public static func builtInModel() throws -> URL { try directory().appendingPathComponent("models/strata-sprites") }
    public static func layeredModel() throws -> URL { try directory().appendingPathComponent("models/strata-layers") }
    public static func judge() throws -> URL { try directory().appendingPathComponent("models/judge") }
    public static func example() throws -> URL { try directory().appendingPathComponent("examples") }
}
