// A Stable Diffusion 1.x model in the diffusers folder layout: model_index.json,
// tokenizer/, text_encoder/, unet/, vae/, scheduler/scheduler_config.json.
import Foundation
import StrataTensor

public enum ModelFolderError: Error, CustomStringConvertible {
    case notAFolder(String)
    case missing(folder: String, item: String)
    case invalid(folder: String, item: String, reason: String)

    public var description: String {
        switch self {
        case .notAFolder(let p): return "\(p): not a model folder (expected a diffusers folder with model_index.json)"
        case let .missing(f, i): return "\(f): missing \(i)"
        case let .invalid(f, i, r): return "\(f)/\(i): \(r)"
        }
    }
}

public final class StableDiffusionModel {
    public let folder: URL?
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let vae: AutoencoderKL
    public let schedulerConfig: SchedulerConfig

    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, unet: UNet2DConditionModel, vae: AutoencoderKL,
                schedulerConfig: SchedulerConfig, folder: URL? = nil) {
        self.tokenizer = tokenizer; self.textEncoder = textEncoder; self.unet = unet; self.vae = vae
        self.schedulerConfig = schedulerConfig; self.folder = folder
    }

    /// Loads every component of a diffusers folder, naming the part that is missing or wrong.
    public convenience init(folder: URL) throws {
        let f = try ModelFolder(folder)
        let tokenizer = try f.load("tokenizer") { try CLIPTokenizer(folder: $0) }
        let text = try f.load("text_encoder") { try CLIPTextModel(folder: $0) }
        try tokenizer.check(against: text, folder: folder)
        let unet = try f.load("unet") { try UNet2DConditionModel(folder: $0) }
        let vae = try f.load("vae") { try AutoencoderKL(folder: $0) }
        let scheduler = try f.load("scheduler") { try SchedulerConfig.load($0.appendingPathComponent("scheduler_config.json")) }
        self.init(tokenizer: tokenizer, textEncoder: text, unet: unet, vae: vae, schedulerConfig: scheduler, folder: folder)
    }

    /// Pixels per latent along each side.
    public var vaeScaleFactor: Int { vae.scaleFactor }

    /// Text states [texts, 77, width] for prompts, as diffusers encodes them.
    public func encode(_ texts: [String], clipSkip: Int = 0) -> Tensor { textEncoder.encode(texts, tokenizer: tokenizer, clipSkip: clipSkip) }
}
