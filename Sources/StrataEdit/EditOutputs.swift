// What an edit leaves on disk, per seed: the result PNG with an A1111-style `parameters`
// chunk holding every setting needed to repeat it, the subject mask suggested on the
// result, the subject cut out as RGBA, an OpenRaster file with the layers; and for the
// whole edit the reference background and one JSON sidecar. Everything is written into
// a staging folder first and moved in at the end, so a failed edit leaves nothing.
import Foundation
import StrataModels
import StrataTensor

public struct EditRecord: Codable {
    public var version: String
    public var subjectText: String, backgroundText: String
    public var sourceSHA256: String, maskSHA256: String, referenceSHA256: String?
    public var modelName: String, modelHash: String
    public var settings: EditSettings
    public var placement: Placement
    public var stageSeconds: [String: Double]
    public var finalLosses: [String: [Float]]
    public var results: [String]

    public init(version: String, subjectText: String, backgroundText: String, sourceSHA256: String, maskSHA256: String,
                referenceSHA256: String?, modelName: String, modelHash: String, settings: EditSettings, placement: Placement,
                stageSeconds: [String: Double], finalLosses: [String: [Float]], results: [String]) {
        self.version = version; self.subjectText = subjectText; self.backgroundText = backgroundText
        self.sourceSHA256 = sourceSHA256; self.maskSHA256 = maskSHA256; self.referenceSHA256 = referenceSHA256
        self.modelName = modelName; self.modelHash = modelHash; self.settings = settings; self.placement = placement
        self.stageSeconds = stageSeconds; self.finalLosses = finalLosses; self.results = results
    }

    enum CodingKeys: String, CodingKey {
        case version, settings, placement, results
        case subjectText = "subject_text", backgroundText = "background_text"
        case sourceSHA256 = "source_sha256", maskSHA256 = "mask_sha256", referenceSHA256 = "reference_sha256"
        case modelName = "model_name", modelHash = "model_hash"
        case stageSeconds = "stage_seconds", finalLosses = "final_losses"
    }
}

public enum EditOutputs {
    /// The file that marks a folder as edit outputs Strata wrote.
    public static let marker = "edit.json"
    /// The `parameters` text of one result: the prompt, A1111's fields, and Strata's
    /// settings as JSON under "Strata edit".
    public static func infotext(_ record: EditRecord, seed: UInt64, size: Int) throws -> String {
        let s = record.settings
        var settings = s
        settings.seeds = [seed]
        let compact = JSONEncoder()
        compact.outputFormatting = [.sortedKeys]  // one line, as infotext readers split lines
        let json = String(decoding: try compact.encode(settings), as: UTF8.self)
        let fields = ["Steps: \(s.samplingSteps)", "Sampler: \(s.scheduler.displayName)", "CFG scale: \(s.guidanceScale)",
                      "Seed: \(seed)", "Size: \(size)x\(size)", "Model hash: \(record.modelHash)", "Model: \(record.modelName)",
                      "Strata edit: \(json)"]
        return "\(record.subjectText) \(record.backgroundText)\n" + fields.joined(separator: ", ")
    }

    /// Writes everything into `folder`; `masksOfResults` suggests the subject masks of the
    /// results (all at once) when the edit did not already suggest them (colour matching does).
    /// A `folder` that holds files is written only when it holds `edit.json` (outputs
    /// written before), unless `ownedBy` is nil (a session's own results folder).
    public static func write(_ result: EditResult, record: EditRecord, to folder: URL, ownedBy marker: String? = EditOutputs.marker,
                             masksOfResults: ([Tensor]) -> [Tensor]) throws -> [String] {
        let staged = try AtomicFolder(replacing: folder, keepingContents: true, ownedBy: marker)
        defer { staged.discard() }
        var record = record
        // The files name the λ1 used, so that repeating an edit does not depend on the rule.
        if record.settings.lambda1 == nil { record.settings.lambda1 = result.lambda1 }
        var written: [String] = []
        let side = result.reference.shape[3]
        try ImageFiles.writeRGB(result.reference, to: staged.url("reference.png").path)
        written.append("reference.png")
        let masks = result.resultMasks ?? masksOfResults(result.images)
        for (image, (seed, mask)) in zip(result.images, zip(record.settings.seeds, masks)) {
            let base = "result-\(seed)"
            try ImageFiles.writeRGB(image, to: staged.url(base + ".png").path,
                                    text: [("parameters", try infotext(record, seed: seed, size: side))])
            try ImageFiles.writeMask(mask, to: staged.url(base + ".mask.png").path)
            let cut = ImageFiles.cutout(image, mask: mask)
            try PNGImage.write(staged.url(base + ".subject.png").path, width: side, height: side, channels: 4, pixels: cut)
            let opaque = { (t: Tensor) in ImageFiles.cutout(t, mask: Tensor(repeating: 1, shape: [1, 1, side, side])) }
            try OpenRaster.write(to: staged.url(base + ".ora").path, width: side, height: side,
                                 layers: [OpenRasterLayer(name: "subject", rgba: cut), OpenRasterLayer(name: "result", rgba: opaque(image)),
                                          OpenRasterLayer(name: "reference background", rgba: opaque(result.reference), visible: false)],
                                 merged: ImageFiles.rgb(image))
            written += [base + ".png", base + ".mask.png", base + ".subject.png", base + ".ora"]
        }
        record.results = written.filter { $0.hasPrefix("result-") && $0.hasSuffix(".png") && !$0.contains(".mask") && !$0.contains(".subject") }
        try staged.writeJSON(record, as: "edit.json")
        written.append("edit.json")
        try staged.publish()
        return written
    }
}
