// Colours of the interface, read from small files (Assets/Themes/NAME.theme, lines of
// `name = #rrggbb`), so a user can add one without rebuilding Strata.
import Foundation

public struct Theme: Equatable, Sendable {
    public var name: String
    public var background = RGB(22, 24, 29), panel = RGB(30, 33, 40), border = RGB(58, 63, 75), focus = RGB(108, 182, 255)
    public var text = RGB(215, 218, 224), dim = RGB(127, 135, 150), accent = RGB(240, 179, 91), good = RGB(126, 194, 126)
    public var warning = RGB(229, 192, 123), error = RGB(239, 107, 115), mask = RGB(255, 79, 160), selection = RGB(47, 58, 79)

    public init(name: String) { self.name = name }

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String), bad(file: String, line: Int, text: String)
        public var description: String {
            switch self {
            case .unreadable(let f): return "\(f): cannot be read"
            case let .bad(f, n, t): return "\(f):\(n): expected `name = #rrggbb`, got \"\(t)\""
            }
        }
    }

    public static func load(_ file: URL) throws -> Theme {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { throw LoadError.unreadable(file.path) }
        var theme = Theme(name: file.deletingPathExtension().lastPathComponent)
        let slots: [String: WritableKeyPath<Theme, RGB>] = [
            "background": \.background, "panel": \.panel, "border": \.border, "focus": \.focus, "text": \.text, "dim": \.dim,
            "accent": \.accent, "good": \.good, "warning": \.warning, "error": \.error, "mask": \.mask, "selection": \.selection]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let slot = slots[parts[0]], let colour = RGB(hex: parts[1]) else {
                throw LoadError.bad(file: file.path, line: n + 1, text: line)
            }
            theme[keyPath: slot] = colour
        }
        return theme
    }

    /// Every theme in `folder`, sorted by name (dark first when present).
    public static func all(in folder: URL) -> [Theme] {
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        let themes = files.filter { $0.pathExtension == "theme" }.compactMap { try? load($0) }.sorted { $0.name < $1.name }
        return themes.filter { $0.name == "dark" } + themes.filter { $0.name != "dark" }
    }
}
