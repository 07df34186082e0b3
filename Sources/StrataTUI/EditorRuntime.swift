// The editor's loop: read input, poll the engine, update the state, carry out effects,
// draw when something changed. It also keeps the session folder current: every change
// is saved (atomically) after the debounce, every finished run's images are written
// into it, and a save key writes full outputs (layers, .ora, sidecar) beside them.
import Foundation
import StrataEdit
import StrataModels
import StrataTensor
import Synchronization

public final class EditorRuntime {
    public var state: EditorState
    public let engine: EditorEngine
    public let view: EditorView
    public let sessionFolder: URL
    let version: String
    let modelPath: String?
    let inbox = Mutex<[EditorMsg]>([])
    let clockStart = DispatchTime.now().uptimeNanoseconds
    var quit = false
    var savedMask: [UInt8]?
    /// What was last written under each result name, so a later run with the same seeds
    /// writes its pictures over the earlier ones.
    var writtenResults: [String: Int] = [:]
    /// SIGTERM or SIGHUP (a closed terminal): the loop ends and the session is saved.
    let signalled = Mutex<Bool>(false)
    var signalSources: [DispatchSourceSignal] = []

    public init(state: EditorState, engine: EditorEngine, view: EditorView, sessionFolder: URL, modelPath: String?, version: String) {
        self.state = state; self.engine = engine; self.view = view
        self.sessionFolder = sessionFolder; self.modelPath = modelPath; self.version = version
    }

    public var now: Double { Double(DispatchTime.now().uptimeNanoseconds - clockStart) / 1e9 }

    /// Runs until the user quits.
    public func run(_ backend: TerminalBackend) {
        let size = backend.size
        state.width = size.width; state.height = size.height
        backend.draw(view.render(state))
        saveSession()
        watchSignals()
        while !quit && !signalled.withLock({ $0 }) {
            var messages = backend.read()
            messages += inbox.withLock { box in defer { box = [] }; return box }
            messages += engine.poll(now: now)
            messages += engine.pollLayers()
            messages.append(.tick(now))
            var changed = false
            for m in messages {
                if case .key(.ctrl("z")) = m { backend.suspend(); changed = true; continue }
                // A tick changes what is shown only when it set something off (a run,
                // which may finish at once from the cache).
                let acted = handle(m)
                if case .tick = m { changed = changed || acted } else { changed = true }
            }
            if changed || state.isRunning || state.newImage?.isRunning == true { backend.draw(view.render(state)) }
        }
        engine.cancel()
        engine.cancelLayers()
        saveSession()
    }

    /// SIGTERM and SIGHUP end the loop like a quit: the session is saved before exit.
    func watchSignals() {
        for sig in [SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.signalled.withLock { $0 = true } }
            source.resume()
            signalSources.append(source)
        }
    }

    /// One message through the update, then its effects; whether there were any.
    @discardableResult
    public func handle(_ msg: EditorMsg) -> Bool {
        let effects = state.update(msg)
        for effect in effects { perform(effect) }
        return !effects.isEmpty
    }

    func perform(_ effect: EditorEffect) {
        switch effect {
        case .run(let request):
            // The live preview asks for the quick preset; when the chosen preset's result
            // for these settings is all in the cache (a setting come back to), show it at once.
            var chosen = request
            chosen.settings.preset = state.settings.preset
            if let cached = engine.cachedOutcome(chosen, source: state.source) ?? engine.cachedOutcome(request, source: state.source) {
                engine.discard()
                handle(.finished(cached))
            } else {
                engine.start(request, source: state.source)
            }
        case .cancel: engine.cancel()
        case .quit: quit = true
        case .autosave: saveSession()
        case .suggestMask:
            let source = state.source, subject = state.subject, background = state.background, engine = self.engine
            Thread.detachNewThread { [self] in
                let m = engine.suggestMask(source: source, subject: subject, background: background)
                self.inbox.withLock { $0.append(.suggested(m)) }
            }
        case .saveResults(let all): saveResults(all: all)
        case let .generateLayers(prompt, seeds):
            if let failure = engine.startLayers(prompt: prompt, seeds: seeds) { handle(.layered(.failure(failure))) }
        case .cancelLayers: engine.cancelLayers()
        case let .saveLayer(candidate, layer): saveLayer(candidate, layer)
        case .sourceReplaced:
            engine.discard()
            engine.givenReference = nil
            savedMask = nil
        }
    }

    /// Result file name, as `strata edit` names them (result-SEED.png), with the swept
    /// parameter and value when there is one (result-SEED-alpha=0.55.png).
    static func resultName(_ slot: ResultSlot, parameter: EditorParameter?) -> String {
        var name = "result-\(slot.seed)"
        if let v = slot.sweepValue, let p = parameter { name += "-\(p.rawValue)=\(v)" }
        return name + ".png"
    }

    /// Seed and swept value back from a result file name; nil for other files (masks,
    /// cut-outs, the reference).
    public static func parseResultName(_ name: String) -> (seed: UInt64, value: String?)? {
        guard name.hasPrefix("result-"), name.hasSuffix(".png") else { return nil }
        let core = name.dropFirst("result-".count).dropLast(4)
        let parts = core.split(separator: "-", maxSplits: 1)
        guard let first = parts.first, let seed = UInt64(first) else { return nil }
        guard parts.count > 1 else { return (seed, nil) }
        let swept = parts[1].split(separator: "=", maxSplits: 1)
        guard swept.count == 2 else { return nil }
        return (seed, String(swept[1]))
    }

    func record(settings: EditSettings) -> EditRecord {
        EditRecord(version: version, subjectText: state.subject, backgroundText: state.background, sourceSHA256: "", maskSHA256: "",
                   referenceSHA256: nil, modelName: engine.modelName, modelHash: engine.edit.modelHash, settings: settings,
                   placement: state.placement, stageSeconds: [:], finalLosses: [:], results: [])
    }

    /// Writes session.json, the inputs and the shown results into the session folder: a
    /// new folder swapped in whole (AtomicFolder), so a kill at any moment leaves the
    /// session as it was before or after, never a mix.
    public func saveSession() {
        do {
            var session = EditSession(subjectText: state.subject, backgroundText: state.background, settings: state.settings.edit)
            session.caption = state.fields[2].text
            session.preset = state.settings.preset; session.method = state.settings.method
            session.placement = state.placement; session.model = modelPath
            let parameter = state.sweep?.parameter
            var written: [String: Int] = [:]
            try AtomicFolder.write(sessionFolder, keepingContents: true, ownedBy: EditSession.fileName) { folder in
                let results = folder.appendingPathComponent(EditSession.resultsFolder)
                try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
                for slot in state.results {
                    let name = Self.resultName(slot, parameter: parameter)
                    let path = results.appendingPathComponent(name).path
                    let key = slot.picture.rgb.hashValue
                    if writtenResults[name] != key || !FileManager.default.fileExists(atPath: path) {
                        try PNGImage.write(path, width: slot.picture.side, height: slot.picture.side, channels: 3, pixels: slot.picture.rgb)
                        written[name] = key
                    }
                    session.results.append(EditSession.resultsFolder + "/" + name)
                }
                if let r = state.reference, state.givenReference == nil {
                    try PNGImage.write(results.appendingPathComponent("reference.png").path, width: r.side, height: r.side, channels: 3, pixels: r.rgb)
                }
                let inputs = engine.inputs(source: state.source, request: state.request(preset: state.settings.preset))
                // The images are written again only when the mask changed (the source never does).
                let imagesSaved = savedMask == state.mask.pixels
                    && FileManager.default.fileExists(atPath: folder.appendingPathComponent(session.mask).path)
                try session.save(to: folder, inputs: inputs, images: !imagesSaved)
            }
            writtenResults.merge(written) { $1 }
            savedMask = state.mask.pixels
            try Preferences.save(theme: state.theme.name)
            state.unsaved = false
        } catch {
            state.message = "could not save the session: \(error)"
            state.unsaved = true
        }
    }

    /// One layer of a generated candidate as a PNG under the session's saved/ folder
    /// (the foreground with its alpha, the mask in 8 bits).
    func saveLayer(_ c: LayeredCandidate, _ layer: LayerView) {
        let folder = sessionFolder.appendingPathComponent("saved/layers-seed-\(c.seed)")
        let file = folder.appendingPathComponent(layer.rawValue + ".png")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            switch layer {
            case .composite: try PNGImage.write(file.path, width: c.side, height: c.side, channels: 3, pixels: c.composite.rgb)
            case .foreground: try PNGImage.write(file.path, width: c.side, height: c.side, channels: 4, pixels: c.foregroundRGBA)
            case .background: try PNGImage.write(file.path, width: c.side, height: c.side, channels: 3, pixels: c.background.rgb)
            case .mask: try PNGImage.write(file.path, width: c.side, height: c.side, channels: 1, pixels: c.mask)
            }
            state.message = "saved \(file.path)"
        } catch {
            state.message = "saving failed: \(error)"
        }
    }

    /// Full outputs of the chosen result (or all) under the session's saved/ folder. They
    /// are written on a thread of their own: the results' masks need the model, which a
    /// running job may hold; the message comes when they are written.
    func saveResults(all: Bool) {
        guard let last = engine.last else { state.message = "nothing to save yet"; return }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "-")
        let folder = sessionFolder.appendingPathComponent("saved/\(stamp)")
        let indices = all ? Array(0..<state.results.count) : [state.selected]
        var writes: [(result: EditResult, record: EditRecord, target: URL)] = []
        var offset = 0
        for (runIndex, settings) in last.settings.enumerated() {
            let picked = settings.seeds.indices.filter { indices.contains(offset + $0) }
            defer { offset += settings.seeds.count }
            guard !picked.isEmpty else { continue }
            var s = settings
            s.seeds = picked.map { settings.seeds[$0] }
            writes.append((last.result.picking(picked.map { offset + $0 }), record(settings: s),
                           last.settings.count > 1 ? folder.appendingPathComponent("run-\(runIndex + 1)") : folder))
        }
        let subject = state.subject, background = state.background, engine = self.engine, planned = writes
        state.message = "saving …"
        Thread.detachNewThread { [self] in
            let message: String
            do {
                var written = 0
                for w in planned {
                    written += try EditOutputs.write(w.result, record: w.record, to: w.target) { images in
                        engine.suggestMasks(images, subject: subject, background: background)
                    }.count
                }
                message = "saved \(written) files in \(folder.path)"
            } catch {
                message = "saving failed: \(error)"
            }
            self.inbox.withLock { $0.append(.info(message)) }
        }
    }
}

/// What the editor remembers between sessions: the theme.
public enum Preferences {
    static var file: URL {
        UserFolders.config.appendingPathComponent("preferences.json")
    }

    /// preferences.json.
    struct Stored: Codable { var theme: String? }

    public static var theme: String? {
        guard let data = try? Data(contentsOf: file) else { return nil }
        return (try? JSONDecoder().decode(Stored.self, from: data))?.theme
    }

    public static func save(theme: String) throws {
        guard theme != Self.theme else { return }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(Stored(theme: theme)).writeDurably(to: file)
    }
}
