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
    /// The largest id in the vocabulary; a text encoder must have an embedding for it.
    public let largestID: Int
    static let largestVocabulary = 1_000_000
    private let ranks: [String: Int]  // "a b" → merge rank
    private let byteSymbols: [Character]
    private var cache: [String: [Int]] = [:]
    private let cacheLock = NSLock()

    /// Refuses a text encoder without an embedding for every id this vocabulary gives.
    public func check(against text: CLIPTextModel, folder: URL) throws {
        guard largestID < text.config.vocabSize else {
            throw TokenizerError.malformed(folder.appendingPathComponent("tokenizer/vocab.json").path,
                                           "ids go up to \(largestID), but the text encoder has vocab_size \(text.config.vocabSize)")
        }
    }

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
        if let (token, id) = v.first(where: { $0.value < 0 || $0.value >= CLIPTokenizer.largestVocabulary }) {
            throw TokenizerError.malformed(vocab.path, "token \(token.debugDescription) has id \(id), not one from 0 to \(CLIPTokenizer.largestVocabulary - 1)")
        }
        vocabulary = v
        largestID = v.values.max() ?? 0
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
        let body = Array(tokens(text, limit: length - 2).prefix(length - 2))
        let ids = [startID] + body + [endID]
        return ids + [Int](repeating: padID, count: length - ids.count)
    }

    /// Pieces (words) longer than this many bytes are cut to it before byte-pair merging,
    /// whose time grows with the square of a piece's length: a pasted 100 KB "word" would
    /// otherwise take tens of seconds. Only such pieces tokenize differently from CLIP's
    /// own tokenizer, and only in their tokens near the cut.
    public static let longestPiece = 1024

    /// The tokens of `text` without start and end; with `limit`, it stops once it has that
    /// many (the rest would be truncated anyway).
    public func tokens(_ text: String, limit: Int? = nil) -> [Int] {
        var out: [Int] = []
        for segment in CLIPTokenizer.splitSpecial(text) {
            switch segment {
            case .special(let s): out.append(vocabulary[s]!)
            case .text(let t):
                let text = limit.map { CLIPTokenizer.leadingWords(t, count: $0 - out.count + 1) } ?? t
                for piece in CLIPTokenizer.pieces(CLIPTokenizer.normalise(text)) {
                    if let limit, out.count >= limit { return out }
                    out += bpe(piece.utf8.count > Self.longestPiece ? Self.cut(piece) : piece)
                }
            }
            if let limit, out.count >= limit { return out }
        }
        return out
    }

    /// The first `count` whitespace-separated words of `text`, each cut to 4 × longestPiece
    /// characters, with whitespace runs as one space: every word gives at least one token,
    /// so the tokens of a text truncated to `count` come from these alone, and a
    /// megabyte of paste is never normalised or split whole.
    static func leadingWords(_ text: String, count: Int) -> String {
        var out = String.UnicodeScalarView()
        var words = 0, inWord = false, wordLength = 0
        for s in text.unicodeScalars {
            if s.properties.isWhitespace {
                if inWord { inWord = false; if words >= count { break } }
                continue
            }
            if !inWord {
                if words >= count { break }
                if !out.isEmpty { out.append(" ") }
                inWord = true; words += 1; wordLength = 0
            }
            if wordLength < 4 * longestPiece { out.append(s); wordLength += 1 }
        }
        return String(out)
    }

    /// A piece cut to at most `longestPiece` bytes, at a character boundary.
    static func cut(_ piece: String) -> String {
        var bytes = 0
        var end = piece.startIndex
        for i in piece.indices {
            let n = piece[i].utf8.count
            if bytes + n > longestPiece { break }
            bytes += n
            end = piece.index(after: i)
        }
        return String(piece[..<end])
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
        let literals = [startToken, endToken, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map { ($0, Array($0.unicodeScalars)) }
        func matches(_ l: [Unicode.Scalar], at i: Int) -> Bool {
            guard i + l.count <= scalars.count else { return false }
            for k in 0..<l.count where scalars[i + k] != l[k] { return false }
            return true
        }
        while i < scalars.count {
            if scalars[i] == "<" || scalars[i] == "'", let (lit, l) = literals.first(where: { matches($0.1, at: i) }) {
                out.append(lit)
                i += l.count
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

    static let cacheLimit = 20_000

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
        cacheLock.lock()
        // Bounded: a long paste of distinct words must not grow it without end.
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[piece] = ids
        cacheLock.unlock()
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
