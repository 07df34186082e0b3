import ArgumentParser
import Foundation
import StrataEdit
import StrataModels
import StrataSprites
import StrataTensor
import StrataTUI

struct BenchTUI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Time the editor on an in-memory 200×60 terminal: one full frame with four results already in cells, one chafa conversion, and key-to-frame latency while an edit runs on the built-in model.")
    @Option(help: "Keys to send while the edit runs.") var keys = 300
    @Option(help: "Model folder (default: the built-in model).") var model: String?
    @Flag(help: "Print one JSON document.") var json = false

    /// What `--json` prints.
    struct Report: Encodable {
        let frameMs: Double, chafaMs: Double, keyToFrameMsP50: Double, keyToFrameMsP99: Double
        let keys: Int
        enum CodingKeys: String, CodingKey {
            case keys
            case frameMs = "frame_ms", chafaMs = "chafa_ms", keyToFrameMsP50 = "key_to_frame_ms_p50", keyToFrameMsP99 = "key_to_frame_ms_p99"
        }
    }

    func run() throws {
        let log = StderrLog(quiet: false)
        let (sd, folder) = try loadModel(model)
        let side = sd.vae.config.sampleSize
        let example = try StrataAssets.example()
        let source = EditorEngine.picture(try ImageFiles.load(example.appendingPathComponent("blue-dog-meadow.png").path, side: side).image)
        let mask = try ImageFiles.loadMask(example.appendingPathComponent("blue-dog-meadow.mask.png").path, side: side).mask.scalars.map { UInt8($0 > 0.5 ? 1 : 0) }
        let themes = Theme.all(in: try StrataAssets.directory().appendingPathComponent("Themes"))
        var state = EditorState(width: 200, height: 60, themes: themes, title: "bench", source: source, mask: MaskCanvas(side: side, pixels: mask),
                                settings: EditorSettings(edit: try editDefaults(folder: folder, preset: .full)),
                                subject: "a dog jumping", background: "in a forest") { Caption.split($0) }
        state.lastChange = nil
        // Four results: renders of other scenes.
        let renderer = try loadRenderer()
        state.results = (0..<4).map { i in
            let scene = renderer.render(seed: SceneSpec.evaluationSeed(99, index: i))
            return ResultSlot(seed: UInt64(i + 1), picture: Picture(side: 64, rgb: scene.rgb))
        }
        state.reference = state.results[3].picture
        let cache = CellCache()
        let view = EditorView(cache: cache)
        _ = AnsiFrame.encode(view.render(state))  // converts every picture once
        var bytes = 0
        let frame = Timing.median(runs: 200) {
            state.cursor.x = (state.cursor.x + 1) % side
            let out = AnsiFrame.encode(view.render(state))
            bytes = out.count
        }
        // One new result converted for its pane.
        let tile = EditorLayout.imageRect(in: Rect(x: 0, y: 0, width: 56, height: 26))
        var fresh = 0
        let chafa = Timing.median(runs: 50) {
            fresh += 1
            _ = cache.cells(Picture(side: 64, rgb: state.results[fresh % 4].picture.rgb), columns: tile.width, rows: tile.height)
        }
        log.line(String(format: "frame %.2f ms (%d bytes), chafa %.2f ms; now keys while an edit runs …", frame, bytes, chafa))

        // Key to frame while the engine runs an edit (full preset, so it outlasts the keys).
        let engine = EditorEngine(model: try EditModel(sd), modelHash: "bench", modelName: folder.lastPathComponent, cacheFolder: nil)
        let runtime = EditorRuntime(state: state, engine: engine, view: view, sessionFolder: FileManager.default.temporaryDirectory
            .appendingPathComponent("strata-bench-\(getpid()).strata"), modelPath: nil, version: StrataVersion.string)
        defer { try? FileManager.default.removeItem(at: runtime.sessionFolder) }
        runtime.state.live = false
        runtime.handle(.key(.char("r")))
        runtime.state.focus = .parameters
        var latencies: [Double] = []
        let cycle: [Key] = [.down, .right, .left, .up]
        var sent = 0
        while sent < keys {
            Thread.sleep(forTimeInterval: 0.02)
            let t0 = DispatchTime.now().uptimeNanoseconds
            runtime.handle(.key(cycle[sent % cycle.count]))
            for m in engine.poll(now: runtime.now) { runtime.handle(m) }
            _ = AnsiFrame.encode(view.render(runtime.state))
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            sent += 1
            if !engine.isRunning { runtime.handle(.key(.char("r"))) }
        }
        engine.cancel()
        while engine.isRunning { Thread.sleep(forTimeInterval: 0.01) }
        latencies.sort()
        let p50 = latencies[latencies.count / 2], p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
        if json {
            try printJSON(Report(frameMs: frame, chafaMs: chafa, keyToFrameMsP50: p50, keyToFrameMsP99: p99, keys: latencies.count))
        } else {
            print(String(format: "full frame 200×60 with four results in cells: %.2f ms (bar 10 ms)", frame))
            print(String(format: "chafa, one new result for its pane (%d×%d cells): %.2f ms", tile.width, tile.height, chafa))
            print(String(format: "key to frame while an edit runs: median %.2f ms, 99th percentile %.2f ms over %d keys (bar 50 ms)", p50, p99, latencies.count))
        }
    }
}
