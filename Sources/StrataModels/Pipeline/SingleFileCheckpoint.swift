// Single-file Stable Diffusion 1.x checkpoints (.safetensors with the original
// latent-diffusion key names): loaded through LDMCheckpointKeys, or converted into a
// diffusers folder. Pickle-based files are refused: loading one runs code from the file.
import Foundation
import StrataTensor

public enum CheckpointFileError: Error, CustomStringConvertible, Equatable {
    case pickle(String)
    case notSingleFile(String)

    public var description: String {
        switch self {
        case .pickle(let p):
            return "\(p): a pickle-based checkpoint (.ckpt, .bin, .pt, .pth) can run arbitrary code when it is loaded, so Strata does not read it. Use the model's .safetensors release, or convert the file once with a tool you trust (for example diffusers' convert_original_stable_diffusion_to_diffusers.py), then open the result."
        case .notSingleFile(let p):
            return "\(p): not a Stable Diffusion 1.x single-file checkpoint (expected model.diffusion_model.*, first_stage_model.* and cond_stage_model.transformer.* tensors)"
        }
    }
}

public enum SingleFileCheckpoint {
    static let pickleExtensions: Set<String> = ["ckpt", "bin", "pt", "pth", "pkl", "pickle"]

    /// Refuses pickle files by extension and by content (a zip or pickle stream under
    /// another name).
    public static func checkNotPickle(_ path: String) throws {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        if pickleExtensions.contains(ext) { throw CheckpointFileError.pickle(path) }
        if let h = FileHandle(forReadingAtPath: path) {
            defer { try? h.close() }
            // A zip ("PK") or a pickle stream (protocol 2 and up: 0x80 then the protocol
            // number). A safetensors file starts with its header's length, little-endian:
            // 0x80 there is a length whose low byte is 128, and its eighth byte is 0 and
            // its ninth '{', which a pickle's is not.
            let head = [UInt8](h.readData(ofLength: 9))
            let safetensors = head.count == 9 && head[7] == 0 && head[8] == UInt8(ascii: "{")
            if head.starts(with: [0x50, 0x4B]) || (head.first == 0x80 && !safetensors) { throw CheckpointFileError.pickle(path) }
        }
    }

    /// Component configs: from a diffusers-layout `configFolder` (unet/, vae/,
    /// text_encoder/ config.json, scheduler/scheduler_config.json), or Stable Diffusion
    /// 1.5's own.
    public struct Configs {
        public var unet = UNetConfig()
        public var vae = VAEConfig()
        public var text = CLIPTextConfig()
        public var scheduler = SchedulerConfig()

        public init() { scheduler.className = "PNDMScheduler" }

        public init(folder: URL) throws {
            let d = JSONDecoder()
            func read(_ item: String) throws -> Data { try Data(contentsOf: folder.appendingPathComponent(item)) }
            unet = try d.decode(UNetConfig.self, from: read("unet/config.json"))
            vae = try d.decode(VAEConfig.self, from: read("vae/config.json"))
            text = try d.decode(CLIPTextConfig.self, from: read("text_encoder/config.json"))
            scheduler = try SchedulerConfig.load(folder.appendingPathComponent("scheduler/scheduler_config.json"))
        }
    }

    public static func load(path: String, configs: Configs, tokenizer: CLIPTokenizer) throws -> StableDiffusionModel {
        try checkNotPickle(path)
        let store = try WeightStore(path: path)
        guard LDMCheckpointKeys.isSingleFile(store.names) else { throw CheckpointFileError.notSingleFile(path) }
        let unet = try UNet2DConditionModel(config: configs.unet, weights: store.renamed { LDMCheckpointKeys.unet($0, config: configs.unet) })
        let vae = try AutoencoderKL(config: configs.vae, weights: store.renamed { LDMCheckpointKeys.vae($0, config: configs.vae) })
        let text = try CLIPTextModel(config: configs.text, weights: store.renamed(LDMCheckpointKeys.textEncoder))
        return StableDiffusionModel(tokenizer: tokenizer, textEncoder: text, unet: unet, vae: vae, schedulerConfig: configs.scheduler)
    }

    /// Writes a diffusers folder, in 16-bit when the checkpoint's UNet is stored so.
    public static func convert(path: String, to folder: URL, configs: Configs, tokenizerSource: URL) throws {
        let tokenizer = try CLIPTokenizer(folder: tokenizerSource)
        let model = try load(path: path, configs: configs, tokenizer: tokenizer)
        let file = try SafeTensorsFile(path: path)
        let half = file.entries.first { $0.key.hasPrefix(LDMCheckpointKeys.unetPrefix) }.map { $0.value.dtype != "F32" } ?? false
        try ModelFolderWriter.write(model, to: folder, tokenizerSource: tokenizerSource, as: half ? .f16 : .f32)
    }
}
