// What `strata layers generate` leaves on disk: per seed a folder with the composite (an
// A1111-style `parameters` chunk with every setting), the foreground as straight RGBA,
// the background, the mask, and an OpenRaster file with the layers; for the whole run
// one JSON sidecar. The command writes them into an AtomicFolder, so a
// failed or stopped run leaves nothing half-written.
import Foundation
import StrataEdit
import StrataModels
import StrataTensor

/// The sidecar, layers.json: every setting, the model, what each seed wrote.
public struct LayeredRecord: Codable {
    public var version: String
    public var prompt: String
    public var negativePrompt: String
    public var steps: Int
    public var guidanceScale: Double
    public var guidanceStart: Double
    public var scheduler: String
    public var eta: Double
    public var width: Int, height: Int
    public var rng: String
    public var seeds: [UInt64]
    public var modelName: String, modelHash: String
    /// Words of the prompt the model does not know, when any.
    public var warnings: [String]
    public var seconds: [Double]
    /// Per seed, the files written (relative to the output folder).
    public var results: [[String]]

    enum CodingKeys: String, CodingKey {
        case version, prompt, steps, scheduler, eta, width, height, rng, seeds, warnings, seconds, results
        case negativePrompt = "negative_prompt", guidanceScale = "cfg", guidanceStart = "guidance_start"
        case modelName = "model_name", modelHash = "model_hash"
    }

    public init(version: String, settings s: TextToImageSettings, rng: String, seeds: [UInt64], modelName: String, modelHash: String,
                warnings: [String]) {
        self.version = version; prompt = s.prompt; negativePrompt = s.negativePrompt; steps = s.steps; guidanceScale = s.guidanceScale
        guidanceStart = s.guidanceStart; scheduler = s.scheduler.rawValue; eta = s.eta; width = s.width; height = s.height
        self.rng = rng; self.seeds = seeds; self.modelName = modelName; self.modelHash = modelHash; self.warnings = warnings
        seconds = []; results = []
    }
}

public enum LayeredOutputs {
    /// Images of one layered sample as 8-bit pixels: composite RGB, foreground straight
    /// RGBA (colour 0 where m is 0), background RGB, mask grey.
    public struct Pictures {
        public let composite: [UInt8], foreground: [UInt8], background: [UInt8], mask: [UInt8]
        public let width: Int, height: Int

        public init(_ layers: TwoLayerImages) {
            let unit = { (t: Tensor) in (t * 0.5 + 0.5).clamped(0, 1) }
            width = layers.foreground.shape[3]; height = layers.foreground.shape[2]
            composite = ImageFiles.rgb(unit(layers.composite))
            background = ImageFiles.rgb(unit(layers.background))
            let m = layers.mask.clamped(0, 1)
            mask = (0..<(width * height)).map { UInt8((m.data[$0] * 255).rounded()) }
            var f = ImageFiles.cutout(unit(layers.foreground), mask: m)
            for i in 0..<(width * height) where f[i * 4 + 3] == 0 { f[i * 4] = 0; f[i * 4 + 1] = 0; f[i * 4 + 2] = 0 }
            foreground = f
        }
    }

    /// The files of one seed, in its folder `seed-N/`.
    public static let files = ["composite.png", "foreground.png", "background.png", "mask.png", "layers.ora"]

    public static func write(_ p: Pictures, parameters: String, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = { folder.appendingPathComponent($0).path }
        try PNGImage.write(path("composite.png"), width: p.width, height: p.height, channels: 3, pixels: p.composite, text: [("parameters", parameters)])
        try PNGImage.write(path("foreground.png"), width: p.width, height: p.height, channels: 4, pixels: p.foreground)
        try PNGImage.write(path("background.png"), width: p.width, height: p.height, channels: 3, pixels: p.background)
        try PNGImage.write(path("mask.png"), width: p.width, height: p.height, channels: 1, pixels: p.mask)
        var opaque = [UInt8](repeating: 255, count: p.width * p.height * 4)
        for i in 0..<(p.width * p.height) { for c in 0..<3 { opaque[i * 4 + c] = p.background[i * 3 + c] } }
        try OpenRaster.write(to: path("layers.ora"), width: p.width, height: p.height,
                             layers: [OpenRasterLayer(name: "foreground", rgba: p.foreground), OpenRasterLayer(name: "background", rgba: opaque)],
                             merged: p.composite)
    }
}
