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
    @Option(help: "Folder for every edit's source scene (with its mask and labels), its texts (a JSON beside it, to rerun one edit with strata edit) and every result.") var cases: String?
    @OptionGroup var output: OutputOptions

    func run() throws {
        let log = output.makeLog()
        let (sd, folder) = try loadModel(model)
        var defaults = try editDefaults(folder: folder, preset: preset)
        if let settings { defaults = try EditSettings.overriding(defaults, with: URL(fileURLWithPath: settings)) }
        let judgeModel = try loadJudge(judge)
        let renderer = try loadRenderer()
        let editModel = try EditModel(sd)
        let edit = LayerDiffusionEdit(model: editModel, modelHash: modelHash(folder), cache: StageCache(folder: cache.map { URL(fileURLWithPath: $0) }, memoryEntries: 8))
        let seedList = seeds.split(separator: ",").compactMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !seedList.isEmpty else { throw fail("--seeds must be numbers separated by commas") }
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
        if let cases { try FileManager.default.createDirectory(atPath: cases, withIntermediateDirectories: true) }
        for i in 0..<count {
            let c = EditCase(seed: seed, index: i)
            let scene = renderer.render(c.source)
            let source = SpriteJudge.images([scene.rgb])
            let image = GradMode.disabled { source * 0.5 + 0.5 }
            let mask = Tensor(scene.mask.map(Float.init), shape: [1, 1, 64, 64])
            let inputs = EditInputs(source: image, subjectMask: mask, subjectText: c.target.subjectText, backgroundText: c.target.backgroundText)
            if i < 16 { pictures.append(scene.rgb) }
            let casePath = cases.map { ($0 as NSString).appendingPathComponent(String(format: "edit-%03d", i)) }
            if let casePath {
                try SceneFiles.write(scene, seed: SceneSpec.evaluationSeed(seed, index: i), to: casePath + ".png")
                let texts = ["subject": c.target.subjectText, "background": c.target.backgroundText, "kind": "\(c.kind)"]
                try JSONSerialization.data(withJSONObject: texts, options: [.prettyPrinted, .sortedKeys])
                    .write(to: URL(fileURLWithPath: casePath + ".edit.json"), options: .atomic)
            }
            for (r, run) in runs.enumerated() {
                var s = defaults
                s.seeds = seedList; s.ablation = run.ablation
                let images = run.method == .layerdiffusion ? try edit.run(inputs, settings: s).images
                    : try Baselines(model: editModel).run(run.method, inputs: inputs, settings: s) { _ in true }
                let readings = judgeModel.read(Tensor.concat(images.map { $0 * 2 - 1 }, axis: 0))
                outcomes[r].append(readings.map { let v = c.score($0); return (v.prompt, v.identity) })
                let missed = readings.map(c.misses)
                for m in missed.joined() { misses[r][m, default: 0] += 1 }
                if let casePath {
                    let name = casePath + "." + run.method.rawValue + (run.ablation.map { "-" + $0.rawValue } ?? "")
                    for (k, image) in images.enumerated() {
                        try PNGImage.write(name + ".seed-\(seedList[k]).png", width: 64, height: 64, channels: 3, pixels: PNGImage.rgbBytes(image))
                        // What the judge read, and what the result misses, beside each result.
                        let reading = readings[k]
                        let judged: [String: Any] = ["animal": reading.animal.word, "tint": reading.tint.word, "size": reading.size.word,
                                                     "pose": reading.pose.word, "background": reading.background.word,
                                                     "misses": missed[k]]
                        try JSONSerialization.data(withJSONObject: judged, options: [.prettyPrinted, .sortedKeys])
                            .write(to: URL(fileURLWithPath: name + ".seed-\(seedList[k]).judged.json"), options: .atomic)
                    }
                }
                if i < 16 { pictures.append(PNGImage.rgbBytes(images[0])) }
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
        var docRuns: [[String: Any]] = []
        for (r, run) in runs.enumerated() {
            var entry: [String: Any] = ["method": run.method.rawValue, "ablate": run.ablation?.rawValue ?? NSNull(),
                                        "prompt": share(r) { $0.0 }, "identity": share(r) { $0.1 }, "success": share(r) { $0.0 && $0.1 },
                                        "success_best_of_seeds": best(r),
                                        "misses": Dictionary(uniqueKeysWithValues: misses[r].map { ($0.key, Double($0.value) / Double(max(outcomes[r].flatMap { $0 }.count, 1))) })]
            if r > 0 {
                // Paired differences against the first run: the same edits and seeds.
                // Standard errors over results and over edits (PairedDifference).
                for (name, f) in [("prompt", { (o: (Bool, Bool)) in o.0 }), ("identity", { $0.1 }), ("success", { $0.0 && $0.1 })] {
                    let d = PairedDifference(zip(outcomes[r], outcomes[0]).map { zip($0, $1).map { Double(f($0) ? 1 : 0) - Double(f($1) ? 1 : 0) } })
                    entry["\(name)_difference"] = d.mean
                    entry["\(name)_difference_se"] = d.standardError
                    entry["\(name)_difference_se_edits"] = d.standardErrorOverEdits
                }
            }
            docRuns.append(entry)
        }
        // A finishing step of ours that lifts every method: named beside the figures it shaped.
        let colourMatched = defaults.colourMatch > 0
        if output.json {
            var doc: [String: Any] = ["count": count, "runs": docRuns]
            if colourMatched { doc["colour_match"] = defaults.colourMatch }
            print(String(decoding: try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("\(count) edits × \(seedList.count) seeds; each result judged on its own")
            if colourMatched {
                print(String(format: "every result colour-matched to the source's subject (colour_match %.2f), baselines too", defaults.colourMatch))
            }
            for e in docRuns {
                print(String(format: "%-15@ %-22@ prompt %5.1f%%  identity %5.1f%%  success %5.1f%%  (best of seeds %5.1f%%)",
                                  e["method"] as! String, (e["ablate"] as? String) ?? "-", (e["prompt"] as! Double) * 100,
                                  (e["identity"] as! Double) * 100, (e["success"] as! Double) * 100, (e["success_best_of_seeds"] as! Double) * 100))
                if e["success_difference"] != nil {
                    print("    vs first: " + ["prompt", "identity", "success"].map { k in
                        String(format: "%@ %+.1f ± %.1f (± %.1f over edits)", k, (e["\(k)_difference"] as! Double) * 100,
                               (e["\(k)_difference_se"] as! Double) * 100, (e["\(k)_difference_se_edits"] as! Double) * 100)
                    }.joined(separator: ", "))
                }
                if let m = e["misses"] as? [String: Double], !m.isEmpty {
                    print("    results that miss: " + m.sorted { $0.value > $1.value }.map { String(format: "%@ %.1f%%", $0.key, $0.value * 100) }.joined(separator: ", "))
                }
            }
        }
    }
}
