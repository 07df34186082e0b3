// A session is a folder, NAME.strata/, that owns everything an edit shows: session.json
// (texts, settings, placement, method, results), the input images copied in at the
// model's resolution, and the results under results/. It can be moved, and reopened
// after the stage cache has evicted its entries. Every file in it is replaced
// atomically, so killing Strata at any moment leaves the last complete save.
import Foundation
import StrataTensor

public struct EditSession: Codable, Equatable {
    public static let fileName = "session.json", resultsFolder = "results"
    public static let currentVersion = 1

    public var version = EditSession.currentVersion
    public var subjectText: String
    public var backgroundText: String
    /// The whole caption as the user typed it before splitting, when they did.
    public var caption: String?
    public var settings: EditSettings
    public var preset: EditPreset = .full
    public var method: EditMethod = .layerdiffusion
    public var placement = Placement()
    /// The model folder; nil for the built-in model.
    public var model: String?
    /// Files inside the session folder.
    public var source = "source.png", mask = "mask.png"
    public var reference: String?, placementMask: String?
    /// Result PNGs (relative to the session folder), one per seed of the last edit.
    public var results: [String] = []

    public init(subjectText: String, backgroundText: String, settings: EditSettings) {
        self.subjectText = subjectText; self.backgroundText = backgroundText; self.settings = settings
    }

    enum CodingKeys: String, CodingKey {
        case version, caption, settings, preset, method, placement, model, source, mask, reference, results
        case subjectText = "subject_text", backgroundText = "background_text", placementMask = "placement_mask"
    }

    /// Writes session.json into `folder` (created if needed), naming the inputs' image
    /// files, and the images themselves unless `images` is false (they are already there).
    public func save(to folder: URL, inputs: EditInputs, images: Bool = true) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var copy = self
        copy.reference = inputs.reference == nil ? nil : "reference-input.png"
        copy.placementMask = inputs.placementMask == nil ? nil : "placement-mask.png"
        if images {
            try ImageFiles.writeRGB(inputs.source, to: folder.appendingPathComponent(source).path)
            try ImageFiles.writeMask(inputs.subjectMask, to: folder.appendingPathComponent(mask).path)
            if let r = inputs.reference, let name = copy.reference { try ImageFiles.writeRGB(r, to: folder.appendingPathComponent(name).path) }
            if let p = inputs.placementMask, let name = copy.placementMask { try ImageFiles.writeMask(p, to: folder.appendingPathComponent(name).path) }
        }
        try copy.saveRecord(to: folder)
    }

    /// Rewrites session.json only (the images are already there).
    public func saveRecord(to folder: URL) throws {
        try (try JSONEncoder.sorted.encode(self) + Data("\n".utf8)).writeDurably(to: folder.appendingPathComponent(Self.fileName))
    }

    /// Whether `name` is a relative path that stays inside the folder.
    static func isInside(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return !name.isEmpty && !name.hasPrefix("/") && !name.hasPrefix("~") && !parts.contains("..") && !parts.contains("") && !name.contains("\0")
    }

    /// Reads a session folder: the record and its inputs at `side` pixels.
    public static func open(_ folder: URL, side: Int) throws -> (session: EditSession, inputs: EditInputs) {
        let file = folder.appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: file) else { throw EditError.input("\(folder.path) is not a Strata session: no \(fileName)") }
        let session: EditSession
        do { session = try JSONDecoder().decode(EditSession.self, from: data) } catch {
            throw EditError.input("\(file.path) is malformed: \(error)")
        }
        guard session.version <= currentVersion else {
            throw EditError.input("\(file.path) was written by a newer Strata (session version \(session.version))")
        }
        // A session names files inside its own folder only: never an absolute path or one
        // that climbs out ("../../elsewhere.png"), so opening one reads nothing else.
        let named = [("source", session.source), ("mask", session.mask), ("reference", session.reference), ("placement_mask", session.placementMask)]
            + session.results.map { ("results", Optional($0)) }
        for case let (field, name?) in named where !isInside(name) {
            throw EditError.input("\(file.path): \(field) \"\(name)\" is not a file inside the session folder")
        }
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        var inputs = EditInputs(source: try ImageFiles.load(path(session.source), side: side).image,
                                subjectMask: try ImageFiles.loadMask(path(session.mask), side: side).mask,
                                subjectText: session.subjectText, backgroundText: session.backgroundText)
        inputs.placement = session.placement
        if let r = session.reference {
            inputs.reference = try ImageFiles.load(path(r), side: side).image
            inputs.referenceMask = Tensor(zeros: inputs.subjectMask.shape)
        }
        if let p = session.placementMask { inputs.placementMask = try ImageFiles.loadMask(path(p), side: side).mask }
        return (session, inputs)
    }
}
