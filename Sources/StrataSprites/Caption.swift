// Captions of the sprite world and their split into subject and background text:
// "a [small |big ]<animal> <pose> <place phrase>", "an" before a vowel.

public struct Caption: Equatable, Sendable {
    public var animal: Animal
    public var size: SpriteSize
    public var pose: Pose
    public var background: Background

    public init(animal: Animal, size: SpriteSize, pose: Pose, background: Background) {
        self.animal = animal; self.size = size; self.pose = pose; self.background = background
    }

    /// T_a: everything before the place phrase, e.g. "a big cow lying".
    public var subjectText: String { subjectText(tint: nil) }

    /// The subject text naming a tint after the size, e.g. "a big blue cow lying". Only
    /// the built-in model's training uses it (scene captions never name the tint).
    public func subjectText(tint: Tint?) -> String {
        let noun = [size.adjective, tint?.word, animal.word].compactMap { $0 }.joined(separator: " ")
        let article = "aeiou".contains(noun.first!) ? "an" : "a"
        return "\(article) \(noun) \(pose.word)"
    }

    /// The whole caption naming a tint, e.g. "an orange cat jumping in a forest".
    public func text(tint: Tint?) -> String { "\(subjectText(tint: tint)) \(backgroundText)" }

    /// T_b: the place phrase, e.g. "in a forest".
    public var backgroundText: String { background.phrase }

    public var text: String { text(tint: nil) }

    /// Splits a caption of this world into subject and background text at its place
    /// phrase; nil when no place phrase ends the text.
    public static func split(_ caption: String) -> (subject: String, background: String)? {
        let trimmed = caption.trimmingCharacters(in: .whitespacesAndNewlines)
        for b in Background.allCases where trimmed.hasSuffix(" " + b.phrase) {
            return (String(trimmed.dropLast(b.phrase.count + 1)), b.phrase)
        }
        return nil
    }

    /// Every word a caption of this world can use (tints included: training captions
    /// sometimes name them).
    public static let vocabulary: Set<String> = {
        var words: Set<String> = ["a", "an"]
        for a in Animal.allCases { words.insert(a.word) }
        for p in Pose.allCases { words.insert(p.word) }
        for s in SpriteSize.allCases { if let w = s.adjective { words.insert(w) } }
        for t in Tint.allCases { words.insert(t.word) }
        for b in Background.allCases { for w in b.phrase.split(separator: " ") { words.insert(String(w)) } }
        return words
    }()

    /// The words of `text` (lowercased, split at spaces and punctuation) that no caption
    /// of this world uses, in order, each once.
    public static func unknownWords(_ text: String) -> [String] {
        var seen: Set<String> = [], out: [String] = []
        for w in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        where !vocabulary.contains(w) && seen.insert(w).inserted { out.append(w) }
        return out
    }

    /// Reads a caption of this world back; nil for text outside it.
    public init?(parsing caption: String) {
        guard let (subject, place) = Caption.split(caption),
              let background = Background.allCases.first(where: { $0.phrase == place }) else { return nil }
        var words = subject.split(separator: " ").map(String.init)
        guard words.count >= 3, words[0] == "a" || words[0] == "an" else { return nil }
        words.removeFirst()
        var size = SpriteSize.medium
        if let s = SpriteSize.allCases.first(where: { $0.adjective == words[0] }) { size = s; words.removeFirst() }
        guard words.count == 2, let animal = Animal.allCases.first(where: { $0.word == words[0] }),
              let pose = Pose.allCases.first(where: { $0.word == words[1] }) else { return nil }
        self.init(animal: animal, size: size, pose: pose, background: background)
        guard self.text == caption.trimmingCharacters(in: .whitespacesAndNewlines) else { return nil }
    }
}

import Foundation
