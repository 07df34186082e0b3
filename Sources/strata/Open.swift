import ArgumentParser
import Foundation
import StrataEdit
import StrataLayers
import StrataModels
import StrataSprites
import StrataTensor
import StrataTUI

/// `strata` and `strata open`: the terminal editor.
struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the terminal editor on an image or a saved session (NAME.strata); with nothing given, on the bundled example.")

    @Argument(help: "A PNG image, or a session folder NAME.strata (default: the bundled example).") var path: String?
    @Option(help: "Subject mask for the image (PNG, grey above 0.5 is subject).") var mask: String?
    @Option(help: "Model folder (default: the built-in model, or the session's).") var model: String?
    @Option(help: "Theme: a name from Assets/Themes (dark, light, high-contrast) or a .theme file.") var theme: String?
    @Option(help: "Session folder to keep this work in (default: ~/.local/share/strata/sessions/NAME.strata).") var session: String?
    @Option(help: "Subject text to start with.") var subject: String?
    @Option(help: "Background text to start with.") var background: String?
    @Option(help: "A reference image whose background the result should follow.") var reference: String?
    @Option(help: "Layered model folder for the new-image mode, Ctrl-N (default: the shipped strata-layers).") var layersModel: String?
    @OptionGroup var engine: ThreadOptions

    static var sessionsFolder: URL {
        UserFolders.sessions
    }

    func run() throws {
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            throw fail("the editor needs a terminal (standard input and output are not one); for scripts use strata edit")
        }
        engine.apply()
        let isSession = path?.hasSuffix(".strata") ?? false
        var reopened: (session: EditSession, inputs: EditInputs)?
        var sessionFolder: URL
        let example = try StrataAssets.example()
        if isSession, let path {
            sessionFolder = URL(fileURLWithPath: path)
            guard FileManager.default.fileExists(atPath: sessionFolder.appendingPathComponent(EditSession.fileName).path) else {
                throw fail("\(path) is not a Strata session: no \(EditSession.fileName) in it")
            }
        } else if let session {
            sessionFolder = URL(fileURLWithPath: session)
        } else if path == nil {
            sessionFolder = Self.sessionsFolder.appendingPathComponent("example.strata")
        } else {
            let stem = URL(fileURLWithPath: path!).deletingPathExtension().lastPathComponent
            sessionFolder = Self.sessionsFolder.appendingPathComponent("\(stem).strata")
            var n = 2
            while FileManager.default.fileExists(atPath: sessionFolder.path) {
                sessionFolder = Self.sessionsFolder.appendingPathComponent("\(stem)-\(n).strata"); n += 1
            }
        }
        // One editor per session: a second one is refused before anything is loaded.
        let lock: SessionLock
        do { lock = try SessionLock(folder: sessionFolder) } catch { throw failure(error) }
        defer { withExtendedLifetime(lock) {} }
        // The example's session is reopened when it exists, so the example remembers.
        let reopen = isSession || (path == nil && session == nil && FileManager.default.fileExists(atPath: sessionFolder.appendingPathComponent(EditSession.fileName).path))
        var modelPath = model
        if reopen, modelPath == nil,
           let data = try? Data(contentsOf: sessionFolder.appendingPathComponent(EditSession.fileName)),
           let record = try? JSONDecoder().decode(EditSession.self, from: data) { modelPath = record.model }
        let (sd, folder) = try loadModel(modelPath)
        let side = sd.vae.config.sampleSize
        if reopen {
            do { reopened = try EditSession.open(sessionFolder, side: side) } catch { throw failure(error) }
        }

        var settings = EditorSettings(edit: try editDefaults(folder: folder, preset: .full))
        var subjectText = subject ?? "a dog jumping", backgroundText = background ?? "in a forest"
        let source: Picture, maskPixels: [UInt8]
        var referenceTensor: Tensor?
        var notes: [String] = []
        if let (record, inputs) = reopened {
            source = EditorEngine.picture(inputs.source)
            maskPixels = inputs.subjectMask.scalars.map { $0 > 0.5 ? 1 : 0 }
            settings = EditorSettings(edit: record.settings)
            settings.preset = record.preset; settings.method = record.method
            subjectText = record.subjectText; backgroundText = record.backgroundText
            referenceTensor = inputs.reference
        } else {
            let imagePath = path ?? example.appendingPathComponent("blue-dog-meadow.png").path
            let maskPath = mask ?? (path == nil ? example.appendingPathComponent("blue-dog-meadow.mask.png").path : nil)
            do {
                let loaded = try ImageFiles.load(imagePath, side: side)
                source = EditorEngine.picture(loaded.image)
                if loaded.resized { notes.append("the image was scaled and centre-cropped to \(side)×\(side)") }
                let loadedMask = try maskPath.map { try ImageFiles.loadMask($0, side: side) }
                if loadedMask?.resized == true { notes.append("the mask was scaled to \(side)×\(side)") }
                maskPixels = loadedMask?.mask.scalars.map { $0 > 0.5 ? 1 : 0 } ?? [UInt8](repeating: 0, count: side * side)
                if loadedMask == nil { notes.append("no mask: paint the subject (space) or suggest one (g)") }
                if let reference { referenceTensor = try ImageFiles.load(reference, side: side).image }
            } catch { throw failure(error) }
        }

        let themes = try loadThemes()
        var state = EditorState(width: 80, height: 24, themes: themes, title: sessionFolder.lastPathComponent + " · " + folder.lastPathComponent,
                                source: source, mask: MaskCanvas(side: side, pixels: maskPixels), settings: settings,
                                subject: subjectText, background: backgroundText) { Caption.split($0) }
        let themeName = theme.map { $0.hasSuffix(".theme") ? URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent : $0 }
        if let name = themeName ?? Preferences.theme, let i = state.themes.firstIndex(where: { $0.name == name }) { state.themeIndex = i }
        else if let theme { throw fail("no theme \"\(theme)\": \(state.themes.map(\.name).joined(separator: ", "))") }
        if let (record, inputs) = reopened {
            state.fields[2] = LineEditor(record.caption ?? record.subjectText + " " + record.backgroundText)
            state.placement = inputs.placement
            state.results = record.results.compactMap { file -> ResultSlot? in
                let name = URL(fileURLWithPath: file).lastPathComponent
                guard let (seed, value) = EditorRuntime.parseResultName(name),
                      let t = try? ImageFiles.load(sessionFolder.appendingPathComponent(file).path, side: side).image else { return nil }
                return ResultSlot(seed: seed, picture: EditorEngine.picture(t), sweepValue: value)
            }
            if let r = try? ImageFiles.load(sessionFolder.appendingPathComponent("results/reference.png").path, side: side).image {
                state.reference = EditorEngine.picture(r)
            }
            if !state.results.isEmpty { state.stale = []; state.lastChange = nil }
            state.message = "reopened \(sessionFolder.path)"
        }
        if !notes.isEmpty { state.message = notes.joined(separator: "; ") }
        if modelPath == nil { state.textWarning = { spriteWorldWarning(subject: $0, background: $1) } }
        if let r = referenceTensor { state.givenReference = EditorEngine.picture(r) }

        let engine = EditorEngine(model: try EditModel(sd), modelHash: modelHash(folder),
                                  modelName: folder.lastPathComponent,
                                  cacheFolder: UserFolders.stageCache)
        engine.givenReference = referenceTensor
        let layersPath = layersModel
        engine.loadLayeredModel = { try LayeredModel(folder: layeredModelFolder(layersPath, option: "--layers-model")) }
        let backend: TerminalBackend
        do { backend = try TerminalBackend() } catch { throw failure(error) }
        defer { backend.restore() }
        let runtime = EditorRuntime(state: state, engine: engine, view: EditorView(cache: CellCache(mode: backend.colourMode)),
                                    sessionFolder: sessionFolder, modelPath: modelPath, version: StrataVersion.string)
        runtime.run(backend)
        backend.restore()
        print("session saved in \(sessionFolder.path)")
    }

    func loadThemes() throws -> [Theme] {
        var themes = Theme.all(in: try StrataAssets.directory().appendingPathComponent("Themes"))
        if let theme, theme.hasSuffix(".theme") {
            do { themes.append(try Theme.load(URL(fileURLWithPath: theme))) } catch { throw failure(error) }
        }
        return themes
    }
}
