import Foundation
import StrataModels

/// What `strata eval edit --journal FILE` keeps: every judged edit as it finishes, so a
/// long evaluation that is stopped goes on from the next edit when run again with the
/// same options. The options that decide the figures are kept beside the entries; a
/// journal written under others is refused rather than mixed in.
struct EvalJournal: Codable {
    /// One run's readings of one edit: per sampling seed, whether the prompt was met and
    /// the identity kept, and which attributes the result misses.
    struct Entry: Codable {
        let edit: Int
        let run: String
        let prompt, identity: [Bool]
        let misses: [[String]]
    }

    let options: String
    private(set) var entries: [Entry]
    let url: URL

    private enum CodingKeys: String, CodingKey { case options, entries }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        options = try c.decode(String.self, forKey: .options)
        entries = try c.decode([Entry].self, forKey: .entries)
        url = URL(fileURLWithPath: "/")
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(options, forKey: .options)
        try c.encode(entries, forKey: .entries)
    }

    /// Opens the journal at `url`, or starts an empty one when there is none.
    init(url: URL, options: String) throws {
        self.url = url
        self.options = options
        guard FileManager.default.fileExists(atPath: url.path) else { entries = []; return }
        let stored: EvalJournal
        do { stored = try JSONDecoder().decode(EvalJournal.self, from: Data(contentsOf: url)) } catch {
            throw EvalJournalError.unreadable(url.path, "\(error)")
        }
        guard stored.options == options else { throw EvalJournalError.otherOptions(url.path, stored.options) }
        entries = stored.entries
    }

    /// The entry of `run` on edit `edit`, when an earlier invocation judged it.
    func entry(edit: Int, run: String) -> Entry? { entries.first { $0.edit == edit && $0.run == run } }

    /// Adds an entry and writes the journal through (fsync, then rename).
    mutating func record(_ entry: Entry) throws {
        entries.removeAll { $0.edit == entry.edit && $0.run == entry.run }
        entries.append(entry)
        try JSONEncoder.sorted.encode(self).writeDurably(to: url)
    }
}

enum EvalJournalError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case otherOptions(String, String)

    var description: String {
        switch self {
        case .unreadable(let path, let why): return "\(path): not a journal Strata can read (\(why)); move it away to start afresh"
        case .otherOptions(let path, let options):
            return "\(path) was written with other options (\(options)); use those, or another journal file"
        }
    }
}
