// `strata eval edit --tune METHOD`: a baseline's settings swept on tuning edits (a seed
// apart from the reported ones), the best by success kept as the model folder's defaults.
import Foundation
import StrataEdit
import StrataModels
import StrataSprites
import StrataTensor

struct BaselineSweep {
    /// The settings each method's sweep tries by default (key, values); every combination.
    static func defaultGrid(_ method: EditMethod) -> [(key: String, values: [String])] {
        switch method {
        case .sdedit: return [("sdedit_strength", ["0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]), ("sdedit_guidance_scale", ["4", "7.5"])]
        case .imagic: return [("imagic_embedding_steps", ["50", "150"]), ("imagic_finetune_lr", ["4e-5", "1e-4"]),
                              ("imagic_text_share", ["0.5", "0.7", "0.9"])]
        case .layerdiffusion, .txt2img: return []
        }
    }

    /// `--grid "key=v1,v2;key=v1,v2"`: each key a setting, each value valid for it.
    static func parseGrid(_ text: String, base: EditSettings) throws -> [(key: String, values: [String])] {
        try text.split(separator: ";").map { part in
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[1].isEmpty else { throw EditError.input("--grid: \"\(part)\" is not key=value,value") }
            let values = kv[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            var probe = base
            for v in values { try probe.set(kv[0], text: v) }
            return (kv[0], values)
        }
    }

    /// One point of the sweep: its settings' values and the outcomes [edit][seed] = (prompt, identity).
    struct Point: Codable {
        let values: [String: String]
        var outcomes: [[[Bool]]] = []
        var results: Int { outcomes.reduce(0) { $0 + $1.count } }
        func share(_ f: ([Bool]) -> Bool) -> SampleMean { SampleMean(outcomes: outcomes.flatMap { $0 }.map(f)) }
        var prompt: SampleMean { share { $0[0] } }
        var identity: SampleMean { share { $0[1] } }
        var success: SampleMean { share { $0[0] && $0[1] } }
    }

    struct Report: Codable {
        let method: String
        let seed: UInt64
        let edits: Int
        let seeds: [UInt64]
        let points: [Row]
        let best: [String: String]
        let written: String?
        struct Row: Codable {
            let values: [String: String]
            let prompt, identity, success, successSE: Double
            enum CodingKeys: String, CodingKey { case values, prompt, identity, success, successSE = "success_se" }
        }
    }

    let method: EditMethod
    let grid: [(key: String, values: [String])]
    let base: EditSettings
    let model: EditModel
    let judge: SpriteJudge
    let renderer: SceneRenderer

    /// Every combination of the grid's values, the first key slowest; for Imagic the
    /// training settings vary slowest, so its cache keeps each training for the points
    /// that share it.
    var combinations: [[String: String]] {
        grid.reduce([[:]]) { partial, axis in partial.flatMap { p in axis.values.map { p.merging([axis.key: $0]) { $1 } } } }
    }

    func run(count: Int, seed: UInt64, seeds: [UInt64], log: StderrLog) throws -> [Point] {
        var points = combinations.map { Point(values: $0) }
        let settings = try points.map { p -> EditSettings in
            var s = base
            for (k, v) in p.values { try s.set(k, text: v) }
            s.seeds = seeds
            return s
        }
        for i in 0..<count {
            let c = EditCase(seed: seed, index: i)
            let inputs = c.rendered(renderer).inputs
            let baselines = Baselines(model: model, imagicCache: ImagicCache())
            for (k, s) in settings.enumerated() {
                let images = try baselines.run(method, inputs: inputs, settings: s) { _ in !StopRequest.isRequested }
                let readings = judge.read(results: images)
                points[k].outcomes.append(readings.map { let v = c.score($0); return [v.prompt, v.identity] })
                log.progress("sweeping \(method.rawValue)", i * settings.count + k + 1, count * settings.count, "edit \(i + 1) of \(count)")
            }
        }
        log.clearProgress()
        return points
    }

    /// The point with the highest success; ties go to the higher prompt share, then to
    /// the earlier point.
    static func best(_ points: [Point]) -> Point? {
        points.enumerated().max { a, b in
            let x = (a.element.success.mean, a.element.prompt.mean, -a.offset), y = (b.element.success.mean, b.element.prompt.mean, -b.offset)
            return x < y
        }?.element
    }

    /// Merges `values` into the model folder's strata_edit.json (keys it has keep their
    /// place in the file's sorted order), checked by reading the file back as settings.
    static func writeDefaults(_ values: [String: String], folder: URL) throws -> URL {
        let file = folder.appendingPathComponent(EditSettings.modelFileName)
        var object: [String: JSONValue] = [:]
        if FileManager.default.fileExists(atPath: file.path) {
            guard let existing = try JSONValue(data: Data(contentsOf: file)).objectValue else {
                throw EditError.input("\(file.path): not a JSON object")
            }
            object = existing
        }
        for (key, text) in values {
            var s = EditSettings()
            try s.set(key, text: text)
            guard let value = try JSONValue(encoding: s)[key] else { throw EditError.input("setting \(key) has no value") }
            object[key] = value
        }
        let data = try JSONValue.object(object).data()
        _ = try JSONDecoder().decode(EditSettings.self, from: data)
        try data.writeDurably(to: file)
        return file
    }

    /// The sweep as a Markdown table (for docs/lab), best row in bold.
    static func markdown(_ points: [Point], keys: [String], best: Point?) -> String {
        var lines = ["| " + keys.joined(separator: " | ") + " | results | prompt | identity | success |",
                     "|" + String(repeating: " --- |", count: keys.count) + " ---: | ---: | ---: | ---: |"]
        for p in points {
            let isBest = best.map { $0.values == p.values } ?? false
            let success = p.success.text(percent: true)
            lines.append("| " + keys.map { p.values[$0] ?? "" }.joined(separator: " | ")
                         + " | \(p.results) | \(p.prompt.text(percent: true)) | \(p.identity.text(percent: true)) | "
                         + (isBest ? "**\(success)**" : success) + " |")
        }
        return lines.joined(separator: "\n")
    }
}
