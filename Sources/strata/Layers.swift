import ArgumentParser
import Foundation
import StrataEdit
import StrataLayers
import StrataModels
import StrataSprites
import StrataTensor
import StrataTraining

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Layered images from text (Text2Layer): a foreground, a background and a mask that compose into the image.",
        subcommands: [LayersGenerate.self])
}

/// The layered model folder given, else the shipped one, which must be complete
/// (`option` names how to give another); a given folder is checked as it is loaded.
func layeredModelFolder(_ path: String?, option: String) throws -> URL {
    let folder = try path.map { URL(fileURLWithPath: $0) } ?? StrataAssets.layeredModel()
    if path == nil, !FileManager.default.fileExists(atPath: folder.appendingPathComponent("model_index.json").path) {
        throw LayeredModelError.malformed("\(folder.path) is not a complete layered model (no model_index.json); give \(option) DIR")
    }
    return folder
}

/// The layered model folder given, else the shipped one; loaded, or a one-line error and exit 2.
func loadLayeredModel(_ path: String?) throws -> (model: LayeredModel, folder: URL) {
    let folder: URL
    do { folder = try layeredModelFolder(path, option: "--model") } catch let error as LayeredModelError { throw failure(error) }
    do { return (try LayeredModel(folder: folder), folder) } catch { throw failure(error) }
}

/// What a sprite-world model says of a prompt outside its world: the words it does not
/// know, or that the words are its own but not a caption of its world.
func spriteWorldPromptWarning(_ prompt: String) -> String? {
    guard let (subject, place) = Caption.split(prompt) else {
        let unknown = Caption.unknownWords(prompt)
        return (unknown.isEmpty ? "" : "the model does not know \(unknown.map { "\"\($0)\"" }.joined(separator: ", ")); ")
            + "it was trained on captions like \"a big dog jumping in a forest\" (places: \(Background.allCases.map(\.phrase).joined(separator: ", ")))"
    }
    return spriteWorldWarning(subject: subject, background: place)
}

struct LayersGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate layers from a prompt: per seed seed-N/ with composite.png, foreground.png (RGBA), background.png, mask.png and layers.ora; layers.json lists every setting.")

    @Option(help: "What the image should show, e.g. \"a big dog jumping in a forest\".") var prompt: String
    @Option(help: "What it should not show.") var negative = ""
    @Option(help: "Seed of the initial noise.") var seed: UInt64?
    @Option(help: "Several seeds, comma-separated, e.g. 1,2,3,4 (each gives its own layers).") var seeds: String?
    @Option(help: "Sampling steps.") var steps = 50
    @Option(help: "Classifier-free guidance scale.") var cfg = 7.5
    @Option(help: "Sampler: \(SchedulerKind.allCases.map(\.rawValue).joined(separator: ", ")).") var scheduler = "ddim"
    @Option(help: "A layered model folder (default: the shipped strata-layers).") var model: String?
    @Option(help: "Output folder.") var out: String
    @OptionGroup var engine: ThreadOptions
    @OptionGroup var output: OutputOptions

    /// What `--json` prints.
    struct Summary: Codable {
        let out: String
        let record: LayeredRecord
    }

    var seedList: [UInt64]? {
        if let seeds {
            let parts = seeds.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            return parts.isEmpty || parts.contains(nil) ? nil : parts.map { $0! }
        }
        return [seed ?? 0]
    }

    func validate() throws {
        guard SchedulerKind(rawValue: scheduler) != nil else {
            throw ValidationError("--scheduler must be one of \(SchedulerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard steps >= 1 && steps <= 1000 else { throw ValidationError("--steps must be between 1 and 1000") }
        guard cfg.isFinite, cfg >= 0, cfg <= 50 else { throw ValidationError("--cfg must be a number from 0 to 50") }
        guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--prompt is empty") }
        guard seed == nil || seeds == nil else { throw ValidationError("give --seed or --seeds, not both") }
        guard let list = seedList, Set(list).count == list.count else { throw ValidationError("--seeds must be distinct whole numbers separated by commas, like 1,2,3,4") }
    }

    func run() throws {
        engine.apply()
        let log = output.makeLog()
        let (layered, folder) = try loadLayeredModel(model)
        let side = layered.sampleSize
        var s = TextToImageSettings(prompt: prompt, width: side, height: side)
        s.negativePrompt = negative; s.steps = steps; s.guidanceScale = cfg; s.scheduler = SchedulerKind(rawValue: scheduler)!
        var warnings: [String] = []
        let spriteWorld = FileManager.default.fileExists(atPath: folder.appendingPathComponent(LayeredUNetTrainer.spriteWorldMarker).path)
        if model == nil || spriteWorld, let w = spriteWorldPromptWarning(prompt) { warnings.append(w); log.line("warning: " + w) }
        let seeds = seedList!
        var record = LayeredRecord(version: StrataVersion.string, settings: s, rng: "torch", seeds: seeds, modelName: folder.lastPathComponent,
                                   modelHash: modelHash(folder), warnings: warnings)
        let target = URL(fileURLWithPath: out)
        let staged = try AtomicFolder(replacing: target, keepingContents: true, ownedBy: "layers.json")
        defer { staged.discard() }
        StopRequest.install(message: "stopping after this step …")
        let pipeline = TextToLayers(model: layered)
        for (k, seed) in seeds.enumerated() {
            s.seed = seed
            let t0 = Date()
            let layers: TwoLayerImages
            do {
                layers = try pipeline.run(s) { step, total in
                    log.progress("seed \(seed) (\(k + 1) of \(seeds.count))", step, total)
                    return !StopRequest.isRequested
                }
            } catch {
                log.clearProgress()
                throw failure(error)
            }
            let name = "seed-\(seed)"
            let parameters = Infotext.parameters(s, modelHash: record.modelHash, modelName: record.modelName, rng: record.rng)
            try LayeredOutputs.write(LayeredOutputs.Pictures(layers), parameters: parameters, to: staged.emptied(name))
            record.results.append(LayeredOutputs.files.map { "\(name)/\($0)" })
            record.seconds.append(Date().timeIntervalSince(t0))
        }
        log.clearProgress()
        try staged.writeJSON(record, as: "layers.json")
        try staged.publish()
        log.line(String(format: "wrote %@: %d seed%@ (%.1f s each)", out, seeds.count, seeds.count == 1 ? "" : "s",
                        record.seconds.reduce(0, +) / Double(seeds.count)))
        if output.json { try printJSON(Summary(out: out, record: record)) }
    }
}
