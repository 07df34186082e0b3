// The words of the sprite world (docs/sprite-world.md): animals, identity
// tints, sizes, poses and places, in the order the design note lists them. Raw values
// are the indices the judge's heads and the labels files use.

public enum Animal: Int, CaseIterable, Codable, Sendable {
    case dog, cat, giraffe, horse, cow, pig, rabbit, elephant, turtle, duck, penguin, sheep
    public var word: String { "\(self)" }
}

/// The identity colour: applied to every sprite pixel, never named in the text.
public enum Tint: Int, CaseIterable, Codable, Sendable {
    case red, orange, yellow, green, cyan, blue, purple, pink
    public var word: String { "\(self)" }
    public var rgb: (Float, Float, Float) {
        switch self {
        case .red: return (230, 60, 60)
        case .orange: return (240, 150, 40)
        case .yellow: return (235, 220, 50)
        case .green: return (70, 190, 70)
        case .cyan: return (50, 200, 210)
        case .blue: return (60, 100, 230)
        case .purple: return (150, 80, 220)
        case .pink: return (240, 110, 180)
        }
    }
}

public enum SpriteSize: Int, CaseIterable, Codable, Sendable {
    case small, medium, big
    public var word: String { "\(self)" }
    /// The longer side of the upright sprite's alpha box, in pixels.
    public var pixels: Int { [18, 28, 40][rawValue] }
    /// The adjective in a caption: none for medium.
    public var adjective: String? { self == .medium ? nil : word }
}

public enum Pose: Int, CaseIterable, Codable, Sendable {
    case standing, jumping, lying
    public var word: String { "\(self)" }
}

public enum Background: Int, CaseIterable, Codable, Sendable {
    case meadow, beach, snow, forest, desert, city, mountains, moon
    public var word: String { "\(self)" }
    public var phrase: String {
        switch self {
        case .meadow: return "in a meadow"
        case .beach: return "on a beach"
        case .snow: return "in the snow"
        case .forest: return "in a forest"
        case .desert: return "in a desert"
        case .city: return "in a city at night"
        case .mountains: return "in the mountains"
        case .moon: return "on the moon"
        }
    }
}
