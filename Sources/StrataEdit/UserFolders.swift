// Where Strata keeps a user's things: the stage cache, sessions, preferences. $HOME is
// honoured (Foundation's home directory on Linux reads the password database instead),
// and the XDG variables when they are set.
import Foundation

public enum UserFolders {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    public static var home: URL {
        if let h = environment["HOME"], !h.isEmpty { return URL(fileURLWithPath: h) }
        return FileManager.default.homeDirectoryForCurrentUser
    }

    static func xdg(_ variable: String, default relative: String) -> URL {
        if let v = environment[variable], v.hasPrefix("/") { return URL(fileURLWithPath: v) }
        return home.appendingPathComponent(relative)
    }

    /// ~/.cache/strata/stages
    public static var stageCache: URL { xdg("XDG_CACHE_HOME", default: ".cache").appendingPathComponent("strata/stages") }
    /// ~/.local/share/strata/sessions
    public static var sessions: URL { xdg("XDG_DATA_HOME", default: ".local/share").appendingPathComponent("strata/sessions") }
    /// ~/.config/strata
    public static var config: URL { xdg("XDG_CONFIG_HOME", default: ".config").appendingPathComponent("strata") }
}
