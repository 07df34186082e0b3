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
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue,
              FileManager.default.fileExists(atPath: folder.appendingPathComponent("model_index.json").path) else {
            throw ModelFolderError.notAFolder(folder.path)
        }
        func load<T>(_ item: String, _ body: (URL) throws -> T) throws -> T {
            let url = folder.appendingPathComponent(item)
            guard FileManager.default.fileExists(atPath: url.path) else { throw ModelFolderError.missing(folder: folder.path, item: item + "/") }
            do { return try body(url) } catch {
                throw ModelFolderError.invalid(folder: folder.path, item: item, reason: "\(error)")
            }
        }
        let tokenizer = try load("tokenizer") { try CLIPTokenizer(folder: $0) }
        let text = try load("text_encoder") { try CLIPTextModel(folder: $0) }
        let unet = try load("unet") { try UNet2DConditionModel(folder: $0) }
        let vae = try load("vae") { try AutoencoderKL(folder: $0) }
        let scheduler = try load("scheduler") { try SchedulerConfig.load($0.appendingPathComponent("scheduler_config.json")) }
        self.init(tokenizer: tokenizer, textEncoder: text, unet: unet, vae: vae, schedulerConfig: scheduler, folder: folder)
    }

    /// Pixels per latent along each side.
    public var vaeScaleFactor: Int { vae.scaleFactor }

    /// Text states [texts, 77, width] for prompts, as diffusers encodes them.
    public func encode(_ texts: [String], clipSkip: Int = 0) -> Tensor {
        let ids = texts.map { tokenizer.encodePadded($0, length: textEncoder.config.maxPositionEmbeddings) }
        return GradMode.disabled { textEncoder(ids, clipSkip: clipSkip) }
    }
}
