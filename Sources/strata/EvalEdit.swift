import ArgumentParser
import Foundation
import StrataEdit
import StrataModels
import StrataSprites
import StrataTensor

struct EvalEdit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Run N sprite-world edits per method or ablation, judge every result, and print the shares that satisfy the prompt, keep the identity, and succeed.")
    @Option(help: "Edits.") var count = 100

    func validate() throws { try requireCount(count) }
    @Option(help: "Evaluation seed.") var seed: UInt64 = 1
    @Option(help: "Methods, comma-separated: layerdiffusion, txt2img, sdedit, imagic.") var method = "layerdiffusion"
    @Option(help: "Ablations of layerdiffusion, comma-separated (\(Ablation.allCases.map(\.rawValue).joined(separator: ", "))); 'none' is the full method.") var ablate = "none"
    @Option(help: "Sampling seeds per edit, comma-separated.") var seeds = "1,2,3,4"
    @Option(help: "quick or full (see strata edit --help).") var preset: EditPreset = .full
    @Option(help: "Model folder (default: the built-in model).") var model: String?
    @Option(help: "Edit settings JSON over the model's defaults (the names of strata_edit.json; keys left out keep theirs), to compare settings on the same edits.") var settings: String?
    @Option(help: "Judge folder (default: the built-in judge).") var judge: String?
    @Option(help: "Contact sheet PNG: per edit, the source then each run's first result.") var sheet: String?
    @Option(help: "Stage cache folder (default: none).") var cache: String?
    @Option(help: "Sweep a baseline's settings (sdedit or imagic) on these edits instead, pick the best by success and write it into the model folder's strata_edit.json. Use a --seed apart from the reported edits' (\(EvalEdit.reportedSeed)).") var tune: EditMethod?
    @Option(help: "With --tune: the settings to sweep, \"key=v1,v2;key=v1,v2\" (default: the method's own grid).") var grid: String?
    @Flag(help: "With --tune: print the sweep but leave the model folder as it is.") var noWrite = false
    @Option(help: "Keep every judged edit in this file as it finishes; run again with the same options to go on from where a stopped evaluation left off.") var journal: String?
    @Option(help: "Folder for every edit's source scene (with its mask and labels), its texts (a JSON beside it, to rerun one edit with strata edit) and every result.") var cases: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var engine: ThreadOptions

    /// What `--json` prints: each run's shares of results, and beside every run after the
    /// first its paired differences against the first (the same edits and seeds).
    struct Report: Codable {
        /// A paired difference: its mean, standard error over results and over edits.
        struct Difference { let mean, standardError, standardErrorOverEdits: Double }
        struct Run: Codable {
            let method: String
            let ablate: String?
            let prompt, identity, success, successBestOfSeeds: Double
            /// Share of results that miss each attribute.
            let misses: [String: Double]
            var promptDifference, identityDifference, successDifference: Difference?

            init(method: String, ablate: String?, prompt: Double, identity: Double, success: Double, successBestOfSeeds: Double, misses: [String: Double]) {
                self.method = method; self.ablate = ablate; self.prompt = prompt; self.identity = identity; self.success = success
                self.successBestOfSeeds = successBestOfSeeds; self.misses = misses
            }

            struct Key: CodingKey {
                let stringValue: String
                init(_ s: String) { stringValue = s }
                init?(stringValue: String) { self.stringValue = stringValue }
                var intValue: Int? { nil }
                init?(intValue: Int) { nil }
            }
            static let measures = ["prompt", "identity", "success"]
            func difference(_ measure: String) -> Difference? {
                [promptDifference, identityDifference, successDifference][Self.measures.firstIndex(of: measure)!]
            }

            // Flat keys: "success_difference", "success_difference_se", "success_difference_se_edits".
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: Key.self)
                try c.encode(method, forKey: Key("method")); try c.encode(ablate, forKey: Key("ablate"))
                try c.encode(prompt, forKey: Key("prompt")); try c.encode(identity, forKey: Key("identity"))
                try c.encode(success, forKey: Key("success")); try c.encode(successBestOfSeeds, forKey: Key("success_best_of_seeds"))
                try c.encode(misses, forKey: Key("misses"))
                for m in Self.measures {
                    guard let d = difference(m) else { continue }
                    try c.encode(d.mean, forKey: Key(m + "_difference")); try c.encode(d.standardError, forKey: Key(m + "_difference_se"))
                    try c.encode(d.standardErrorOverEdits, forKey: Key(m + "_difference_se_edits"))
                }
            }

            init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: Key.self)
                method = try c.decode(String.self, forKey: Key("method")); ablate = try c.decodeIfPresent(String.self, forKey: Key("ablate"))
                prompt = try c.decode(Double.self, forKey: Key("prompt")); identity = try c.decode(Double.self, forKey: Key("identity"))
                success = try c.decode(Double.self, forKey: Key("success"))
                successBestOfSeeds = try c.decode(Double.self, forKey: Key("success_best_of_seeds"))
                misses = try c.decode([String: Double].self, forKey: Key("misses"))
                let ds = try Self.measures.map { m -> Difference? in
                    guard let mean = try c.decodeIfPresent(Double.self, forKey: Key(m + "_difference")) else { return nil }
                    return Difference(mean: mean, standardError: try c.decode(Double.self, forKey: Key(m + "_difference_se")),
                                      standardErrorOverEdits: try c.decode(Double.self, forKey: Key(m + "_difference_se_edits")))
                }
                promptDifference = ds[0]; identityDifference = ds[1]; successDifference = ds[2]
            }
        }
        let count: Int
        let runs: [Run]
        /// The colour match every result had (a finishing step of ours), when any.
        let colourMatch: Double?
        enum CodingKeys: String, CodingKey { case count, runs, colourMatch = "colour_match" }
    }

    /// A case's texts beside its source (`--cases`).
    struct CaseTexts: Codable { let subject, background, kind: String }
    /// What the judge read from a result, and what it misses (`--cases`).
    struct Judged: Codable {
        let animal, tint, size, pose, background: String
        let misses: [String]
    }

    /// The seed of the edits docs/results.md reports; tuning uses others.
    static let reportedSeed: UInt64 = 10

    func run() throws {
        engine.apply()
        let log = output.makeLog()
        if let tune {
            guard tune == .sdedit || tune == .imagic else { throw fail("--tune takes sdedit or imagic (the baselines with settings of their own)") }
            guard seed != Self.reportedSeed else {
                throw fail("--tune --seed \(seed): these are the reported edits; tune on edits of another seed so the figures stay fair")
            }
        }
        let (sd, folder) = try loadModel(model)
        var defaults = try editDefaults(folder: folder, preset: preset)
        if let settings { defaults = try EditSettings.overriding(defaults, with: URL(fileURLWithPath: settings)) }
        let judgeModel = try loadJudge(judge)
        let renderer = try loadRenderer()
        let editModel = try EditModel(sd)
        let edit = LayerDiffusionEdit(model: editModel, modelHash: modelHash(folder), cache: StageCache(folder: cache.map { URL(fileURLWithPath: $0) }, memoryEntries: 8))
        let seedList = seeds.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !seedList.isEmpty else { throw fail("--seeds must be numbers separated by commas") }
        if let tune { return try sweep(tune, base: defaults, model: editModel, judge: judgeModel, renderer: renderer, seeds: seedList, folder: folder, log: log) }
        var runs: [(method: EditMethod, ablation: Ablation?)] = []
        for m in method.split(separator: ",") {
            guard let em = EditMethod(rawValue: String(m)) else { throw fail("unknown method \(m)") }
            if em == .layerdiffusion {
                for a in ablate.split(separator: ",") {
                    if a == "none" { runs.append((em, nil)); continue }
                    guard let ab = Ablation(rawValue: String(a)) else { throw fail("unknown ablation \(a)") }
                    runs.append((em, ab))
                }
            } else { runs.append((em, nil)) }
        }
        // outcomes[run][edit][seed] = (prompt, identity)
        var outcomes = [[[(Bool, Bool)]]](repeating: [], count: runs.count)
        // Per run: how many results miss each attribute (what the method gets wrong).
        var misses = [[String: Int]](repeating: [:], count: runs.count)
        var pictures: [[UInt8]] = []
        let runNames = runs.map { $0.method.rawValue + ($0.ablation.map { "-" + $0.rawValue } ?? "") }
        var record = try journal.map { path -> EvalJournal in
            let settingsJSON = String(decoding: try JSONEncoder.sorted.encode(defaults), as: UTF8.self)
            let options = "seed \(seed); seeds \(seedList); runs \(runNames); preset \(preset.rawValue); model \(model ?? "built-in"); judge \(judge ?? "built-in"); settings \(settingsJSON)"
            do { return try EvalJournal(url: URL(fileURLWithPath: path), options: options) } catch { throw fail("\(error)") }
        }
        if let cases { try FileManager.default.createDirectory(atPath: cases, withIntermediateDirectories: true) }
        for i in 0..<count {
            let c = EditCase(seed: seed, index: i)
            let (scene, inputs) = c.rendered(renderer)
            if i < 16 { pictures.append(scene.rgb) }
            let casePath = cases.map { ($0 as NSString).appendingPathComponent(String(format: "edit-%03d", i)) }
            if let casePath {
                try SceneFiles.write(scene, seed: SceneSpec.evaluationSeed(seed, index: i), to: casePath + ".png")
                try JSONEncoder.sorted.encode(CaseTexts(subject: c.target.subjectText, background: c.target.backgroundText, kind: "\(c.kind)"))
                    .writeDurably(to: URL(fileURLWithPath: casePath + ".edit.json"))
            }
            for (r, run) in runs.enumerated() {
                // A journalled edit is taken as judged, unless its pictures are wanted here.
                if let done = record?.entry(edit: i, run: runNames[r]), sheet == nil || i >= 16 {
                    outcomes[r].append(Array(zip(done.prompt, done.identity)))
                    for m in done.misses.joined() { misses[r][m, default: 0] += 1 }
                    continue
                }
                var s = defaults
                s.seeds = seedList; s.ablation = run.ablation
                let images = run.method == .layerdiffusion ? try edit.run(inputs, settings: s).images
                    : try Baselines(model: editModel).run(run.method, inputs: inputs, settings: s) { _ in true }
                let readings = judgeModel.read(results: images)
                outcomes[r].append(readings.map { let v = c.score($0); return (v.prompt, v.identity) })
                let missed = readings.map(c.misses)
                for m in missed.joined() { misses[r][m, default: 0] += 1 }
                if let casePath {
                    let name = casePath + "." + runNames[r]
                    for (k, image) in images.enumerated() {
                        try PNGImage.write(name + ".seed-\(seedList[k]).png", width: 64, height: 64, channels: 3, pixels: PNGImage.rgbBytes(image))
                        // What the judge read, and what the result misses, beside each result.
                        let reading = readings[k]
                        let judged = Judged(animal: reading.animal.word, tint: reading.tint.word, size: reading.size.word,
                                            pose: reading.pose.word, background: reading.background.word, misses: missed[k])
                        try JSONEncoder.sorted.encode(judged).writeDurably(to: URL(fileURLWithPath: name + ".seed-\(seedList[k]).judged.json"))
                    }
                }
                if i < 16 { pictures.append(PNGImage.rgbBytes(images[0])) }
                try record?.record(.init(edit: i, run: runNames[r], prompt: outcomes[r][i].map(\.0), identity: outcomes[r][i].map(\.1), misses: missed))
            }
            log.progress("editing", i + 1, count)
        }
        log.clearProgress()
        if let sheet { try ContactSheet.write(pictures, columns: 1 + runs.count, to: sheet) }
        func share(_ r: Int, _ f: ((Bool, Bool)) -> Bool) -> Double {
            let all = outcomes[r].flatMap { $0 }
            return Double(all.filter(f).count) / Double(max(all.count, 1))
        }
        func best(_ r: Int) -> Double { Double(outcomes[r].filter { $0.contains { $0.0 && $0.1 } }.count) / Double(max(count, 1)) }
        var docRuns: [Report.Run] = []
        for (r, run) in runs.enumerated() {
            var entry = Report.Run(method: run.method.rawValue, ablate: run.ablation?.rawValue,
                                   prompt: share(r) { $0.0 }, identity: share(r) { $0.1 }, success: share(r) { $0.0 && $0.1 },
                                   successBestOfSeeds: best(r),
                                   misses: Dictionary(uniqueKeysWithValues: misses[r].map { ($0.key, Double($0.value) / Double(max(outcomes[r].flatMap { $0 }.count, 1))) }))
            if r > 0 {
                // Paired differences against the first run: the same edits and seeds.
                // Standard errors over results and over edits (PairedDifference).
                func paired(_ f: ((Bool, Bool)) -> Bool) -> Report.Difference {
                    let d = PairedDifference(zip(outcomes[r], outcomes[0]).map { zip($0, $1).map { Double(f($0) ? 1 : 0) - Double(f($1) ? 1 : 0) } })
                    return Report.Difference(mean: d.mean, standardError: d.standardError, standardErrorOverEdits: d.standardErrorOverEdits)
                }
                entry.promptDifference = paired { $0.0 }
                entry.identityDifference = paired { $0.1 }
                entry.successDifference = paired { $0.0 && $0.1 }
            }
            docRuns.append(entry)
        }
        // A finishing step of ours that lifts every method: named beside the figures it shaped.
        let colourMatched = defaults.colourMatch > 0
        if output.json {
            try printJSON(Report(count: count, runs: docRuns, colourMatch: colourMatched ? defaults.colourMatch : nil))
        } else {
            print("\(count) edits × \(seedList.count) seeds; each result judged on its own")
            if colourMatched {
                print(String(format: "every result colour-matched to the source's subject (colour_match %.2f), baselines too", defaults.colourMatch))
            }
            for e in docRuns {
                print(String(format: "%-15@ %-22@ prompt %5.1f%%  identity %5.1f%%  success %5.1f%%  (best of seeds %5.1f%%)",
                                  e.method, e.ablate ?? "-", e.prompt * 100, e.identity * 100, e.success * 100, e.successBestOfSeeds * 100))
                if e.successDifference != nil {
                    print("    vs first: " + Report.Run.measures.map { k in
                        let d = e.difference(k)!
                        return String(format: "%@ %+.1f ± %.1f (± %.1f over edits)", k, d.mean * 100, d.standardError * 100, d.standardErrorOverEdits * 100)
                    }.joined(separator: ", "))
                }
                let m = e.misses
                if !m.isEmpty {
                    print("    results that miss: " + m.sorted { $0.value > $1.value }.map { String(format: "%@ %.1f%%", $0.key, $0.value * 100) }.joined(separator: ", "))
                }
            }
        }
    }

    func sweep(_ method: EditMethod, base: EditSettings, model: EditModel, judge: SpriteJudge, renderer: SceneRenderer,
               seeds: [UInt64], folder: URL, log: StderrLog) throws {
        let axes: [(key: String, values: [String])]
        do { axes = try grid.map { try BaselineSweep.parseGrid($0, base: base) } ?? BaselineSweep.defaultGrid(method) } catch {
            throw fail("\(error)")
        }
        let sweep = BaselineSweep(method: method, grid: axes, base: base, model: model, judge: judge, renderer: renderer)
        StopRequest.install(message: "stopping after this result …")
        let points = try sweep.run(count: count, seed: seed, seeds: seeds, log: log)
        if StopRequest.isRequested { throw ExitStatus.interrupted }
        guard let best = BaselineSweep.best(points) else { throw fail("--grid gave no settings to try") }
        let written = noWrite ? nil : try BaselineSweep.writeDefaults(best.values, folder: folder)
        if output.json {
            try printJSON(BaselineSweep.Report(
                method: method.rawValue, seed: seed, edits: count, seeds: seeds,
                points: points.map { .init(values: $0.values, prompt: $0.prompt.mean, identity: $0.identity.mean, success: $0.success.mean,
                                           successSE: $0.success.standardError) },
                best: best.values, written: written?.path))
        } else {
            print("\(method.rawValue) on \(count) tuning edits (--seed \(seed)) × \(seeds.count) seeds; each result judged on its own")
            print(BaselineSweep.markdown(points, keys: axes.map(\.key), best: best))
            let chosen = best.values.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print(written.map { "best: \(chosen); written to \($0.path)" } ?? "best: \(chosen) (--no-write: not written)")
        }
    }
}

extension EditCase {
    /// The case's source scene, and the inputs an edit takes from it: the render in
    /// [0, 1], its true subject mask and the case's texts.
    func rendered(_ renderer: SceneRenderer) -> (scene: Scene, inputs: EditInputs) {
        let scene = renderer.render(source)
        let image = GradMode.disabled { SpriteJudge.images([scene.rgb]) * 0.5 + 0.5 }
        let mask = Tensor(scene.mask.map(Float.init), shape: [1, 1, 64, 64])
        return (scene, EditInputs(source: image, subjectMask: mask, subjectText: target.subjectText, backgroundText: target.backgroundText))
    }
}

extension SpriteJudge {
    /// What the judge reads in each result (images [1, 3, H, W] in [0, 1]).
    func read(results images: [Tensor]) -> [JudgeReading] {
        read(Tensor.concat(images.map { $0 * 2 - 1 }, axis: 0))
    }
}
