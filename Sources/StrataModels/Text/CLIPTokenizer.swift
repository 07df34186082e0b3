// CLIP's byte-level BPE tokenizer with the rules of transformers' (5.x) CLIPTokenizer:
// special tokens matched in the raw text; then NFC, whitespace runs to one space and
// lower-casing; pieces by CLIP's pattern (contractions, letter runs, single digits, runs
// of other symbols; whitespace dropped); bytes mapped to printable characters; BPE with
// "</w>" closing each word; start and end tokens; padding and truncation to 77.
// Unlike OpenAI's original tokenizer it runs no ftfy and does not unescape HTML
// (docs/tokenizer.md lists the differences).
import Foundation

public enum TokenizerError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case malformed(String, String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): return "\(p): cannot read tokenizer file: \(r)"
        case let .malformed(p, r): return "\(p): \(r)"
        }
    }
}

public final class CLIPTokenizer {
    public static let startToken = "<|startoftext|>", endToken = "<|endoftext|>"
    public let vocabulary: [String: Int]
    public let startID: Int, endID: Int, padID: Int
    private let ranks: [String: Int]  // "a b" → merge rank
    private let byteSymbols: [Character]
    private var cache: [String: [Int]] = [:]
    private let cacheLock = NSLock()

    /// Reads `vocab.json` and `merges.txt` (and `tokenizer_config.json`'s pad token, when
    /// present) from a diffusers `tokenizer/` folder.
    public convenience init(folder: URL) throws {
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        let config = (try? Data(contentsOf: configURL)).flatMap { try? JSONDecoder().decode(TokenizerConfig.self, from: $0) }
        try self.init(vocab: folder.appendingPathComponent("vocab.json"), merges: folder.appendingPathComponent("merges.txt"),
                      padToken: config?.padToken?.content ?? CLIPTokenizer.endToken)
    }

    /// The one field of transformers' tokenizer_config.json Strata reads: the pad token,
    /// written as a string or as an AddedToken object with its `content`.
    struct TokenizerConfig: Decodable {
        enum Token: Decodable {
            case text(String), added(content: String)
            var content: String { switch self { case .text(let s), .added(let s): return s } }
            init(from decoder: Decoder) throws {
                if let s = try? decoder.singleValueContainer().decode(String.self) { self = .text(s); return }
                enum Key: String, CodingKey { case content }
                self = .added(content: try decoder.container(keyedBy: Key.self).decode(String.self, forKey: .content))
            }
        }
        let padToken: Token?
        enum CodingKeys: String, CodingKey { case padToken = "pad_token" }
        init(from decoder: Decoder) throws {
            // A pad token of another shape (null, a number) means the default, as before.
            padToken = try? decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Token.self, forKey: .padToken)
        }
    }

    public init(vocab: URL, merges: URL, padToken: String = CLIPTokenizer.endToken) throws {
        let vocabData: Data, mergesText: String
        do {
            vocabData = try Data(contentsOf: vocab)
            mergesText = try String(contentsOf: merges, encoding: .utf8)
        } catch { throw TokenizerError.unreadable(vocab.deletingLastPathComponent().path, error.localizedDescription) }
        guard let v = try? JSONDecoder().decode([String: Int].self, from: vocabData) else {
            throw TokenizerError.malformed(vocab.path, "vocab.json is not an object of token → id")
        }
        vocabulary = v
        var r: [String: Int] = [:]
        for line in mergesText.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#version") {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { throw TokenizerError.malformed(merges.path, "merge line '\(line)' is not two symbols") }
            r[line.trimmingCharacters(in: .whitespaces)] = r.count
        }
        ranks = r
        guard let s = v[CLIPTokenizer.startToken], let e = v[CLIPTokenizer.endToken], let p = v[padToken] else {
            throw TokenizerError.malformed(vocab.path, "vocab.json lacks \(CLIPTokenizer.startToken), \(CLIPTokenizer.endToken) or the pad token \(padToken)")
        }
        startID = s; endID = e; padID = p
        byteSymbols = CLIPTokenizer.byteToUnicode()
    }

    /// Start token, the text's tokens, end token: no padding, no truncation.
    public func encode(_ text: String) -> [Int] {
        [startID] + tokens(text) + [endID]
    }

    /// As diffusers asks for it: truncated to `length` (start, the first length−2 tokens,
    /// end) and padded with the pad token.
    public func encodePadded(_ text: String, length: Int = 77) -> [Int] {
        let body = Array(tokens(text).prefix(length - 2))
        let ids = [startID] + body + [endID]
        return ids + [Int](repeating: padID, count: length - ids.count)
    }

    /// The tokens of `text` without start and end.
    public func tokens(_ text: String) -> [Int] {
        var out: [Int] = []
        for segment in CLIPTokenizer.splitSpecial(text) {
            switch segment {
            case .special(let s): out.append(vocabulary[s]!)
            case .text(let t):
                for piece in CLIPTokenizer.pieces(CLIPTokenizer.normalise(t)) { out += bpe(piece) }
            }
        }
        return out
    }

    enum Segment { case special(String), text(String) }

    /// Special tokens are found in the raw text, before normalisation.
    static func splitSpecial(_ text: String) -> [Segment] {
        var result: [Segment] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let hits = [startToken, endToken].compactMap { tok in rest.range(of: tok).map { (tok, $0) } }
            guard let (tok, range) = hits.min(by: { $0.1.lowerBound < $1.1.lowerBound }) else {
                result.append(.text(String(rest))); break
            }
            if range.lowerBound > rest.startIndex { result.append(.text(String(rest[..<range.lowerBound]))) }
            result.append(.special(tok))
            rest = rest[range.upperBound...]
        }
        return result
    }

    /// NFC, every run of whitespace to one space, then per-character lower case.
    static func normalise(_ text: String) -> String {
        let nfc = text.precomposedStringWithCanonicalMapping
        var out = String.UnicodeScalarView()
        var inSpace = false
        for s in nfc.unicodeScalars {
            if s.properties.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
                continue
            }
            inSpace = false
            out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
        }
        return String(out)
    }

    enum ScalarClass { case letter, number, space, other }

    static func classify(_ s: Unicode.Scalar) -> ScalarClass {
        if s.properties.isWhitespace { return .space }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// CLIP's pattern, tried in order at each position:
    /// <|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+
    static func pieces(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var out: [String] = []
        var i = 0
        func matches(_ literal: String, at i: Int) -> Bool {
            let l = Array(literal.unicodeScalars)
            return i + l.count <= scalars.count && Array(scalars[i..<(i + l.count)]) == l
        }
        while i < scalars.count {
            if let lit = [startToken, endToken, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].first(where: { matches($0, at: i) }) {
                out.append(lit)
                i += lit.unicodeScalars.count
                continue
            }
            let c = classify(scalars[i])
            var j = i + 1
            switch c {
            case .space: i = j; continue
            case .number: break
            case .letter: while j < scalars.count && classify(scalars[j]) == .letter { j += 1 }
            case .other: while j < scalars.count && classify(scalars[j]) == .other { j += 1 }
            }
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[i..<j])
            out.append(String(piece))
            i = j
        }
        return out
    }

    /// Byte-pair merges of one piece, by rank, over its UTF-8 bytes as printable symbols.
    func bpe(_ piece: String) -> [Int] {
        cacheLock.lock()
        if let hit = cache[piece] { cacheLock.unlock(); return hit }
        cacheLock.unlock()
        var symbols = piece.utf8.map { String(byteSymbols[Int($0)]) }
        symbols[symbols.count - 1] += "</w>"
        while symbols.count > 1 {
            var best: (rank: Int, at: Int)? = nil
            for k in 0..<(symbols.count - 1) {
                if let r = ranks[symbols[k] + " " + symbols[k + 1]], r < (best?.rank ?? Int.max) { best = (r, k) }
            }
            guard let (_, _) = best else { break }
            let pair = (symbols[best!.at], symbols[best!.at + 1])
            // merge every occurrence of the pair, left to right
            var merged: [String] = []
            var k = 0
            while k < symbols.count {
                if k < symbols.count - 1 && symbols[k] == pair.0 && symbols[k + 1] == pair.1 {
                    merged.append(pair.0 + pair.1); k += 2
                } else {
                    merged.append(symbols[k]); k += 1
                }
            }
            symbols = merged
        }
        let ids = symbols.map { vocabulary[$0] ?? endID }
        cacheLock.lock(); cache[piece] = ids; cacheLock.unlock()
        return ids
    }

    /// GPT-2's reversible map from bytes to printable characters.
    static func byteToUnicode() -> [Character] {
        var bs = Array(33...126) + Array(161...172) + Array(174...255)
        var cs = bs
        var n = 0
        for b in 0..<256 where !bs.contains(b) {
            bs.append(b); cs.append(256 + n); n += 1
        }
        var table = [Character](repeating: " ", count: 256)
        for (b, c) in zip(bs, cs) { table[b] = Character(Unicode.Scalar(UInt32(c))!) }
        return table
    }
}
