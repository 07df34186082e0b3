// Writes a Stable Diffusion 1.x model in the diffusers folder layout, so that diffusers
// (and Strata) load it as it is: model_index.json, each component's config.json with
// the class names diffusers and transformers look for, weights as safetensors, the
// tokenizer's vocab.json and merges.txt, scheduler/scheduler_config.json.
import Foundation
import StrataTensor

public enum ModelFolderWriter {
    /// Diffusers version written into configs; the format has not changed since 0.20.
    public static let diffusersVersion = "0.42.1"

    /// Every tensor of a registry by checkpoint name.
    public static func tensors(_ parameters: ParameterRegistry) -> [String: Tensor] {
        Dictionary(parameters.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
    }

    /// `config` encoded as JSON, with `extra` keys merged in, written atomically.
    static func writeConfig<T: Encodable>(_ config: T, extra: [String: JSONValue], to url: URL) throws {
        guard var object = try JSONValue(encoding: config).objectValue else { throw CocoaError(.coderInvalidValue) }
        object.merge(extra) { _, new in new }
        try JSONValue.object(object).data().writeDurably(to: url)
    }

    public static func writeUNet(_ unet: UNet2DConditionModel, to folder: URL, as type: SafeTensorsFile.StorageType) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let c = unet.config
        try writeConfig(c, extra: ["_class_name": "UNet2DConditionModel", "_diffusers_version": .string(diffusersVersion),
                                   "act_fn": "silu", "center_input_sample": false, "downsample_padding": 1,
                                   "mid_block_scale_factor": 1, "mid_block_type": "UNetMidBlock2DCrossAttn"],
                        to: folder.appendingPathComponent("config.json"))
        try SafeTensorsFile.write(tensors(unet.parameters), to: weightsPath(folder, "diffusion_pytorch_model", type), as: type)
    }

    public static func writeVAE(_ vae: AutoencoderKL, to folder: URL, as type: SafeTensorsFile.StorageType) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let c = vae.config
        let n = c.blockOutChannels.count
        try writeConfig(c, extra: ["_class_name": "AutoencoderKL", "_diffusers_version": .string(diffusersVersion), "act_fn": "silu",
                                   "down_block_types": .array(Array(repeating: "DownEncoderBlock2D", count: n)),
                                   "up_block_types": .array(Array(repeating: "UpDecoderBlock2D", count: n)),
                                   "force_upcast": true, "mid_block_add_attention": true,
                                   "use_quant_conv": true, "use_post_quant_conv": true],
                        to: folder.appendingPathComponent("config.json"))
        try SafeTensorsFile.write(tensors(vae.parameters), to: weightsPath(folder, "diffusion_pytorch_model", type), as: type)
    }

    public static func writeTextEncoder(_ text: CLIPTextModel, to folder: URL, as type: SafeTensorsFile.StorageType) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Only keys whose values JSON keeps typed: transformers 5 checks float fields
        // strictly, and JSON encoders write 1.0 as 1. `dtype` float32: transformers 5
        // otherwise loads 16-bit weights in 16 bits while diffusers loads its parts in
        // 32, and the pipeline fails on the mixed types.
        try writeConfig(text.config, extra: ["architectures": ["CLIPTextModel"], "model_type": "clip_text_model",
                                             "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 49407,
                                             "projection_dim": .int(text.config.hiddenSize), "dtype": "float32"],
                        to: folder.appendingPathComponent("config.json"))
        try SafeTensorsFile.write(tensors(text.parameters), to: weightsPath(folder, "model", type), as: type)
    }

    /// The whole folder, written apart and swapped in whole (AtomicFolder): a folder that
    /// was there is replaced, never mixed with new files. `tokenizerSource` holds
    /// vocab.json and merges.txt (and optionally tokenizer_config.json and licence files),
    /// copied as they are.
    public static func write(_ model: StableDiffusionModel, to target: URL, tokenizerSource: URL,
                             as type: SafeTensorsFile.StorageType) throws {
        try AtomicFolder.write(target) { folder in try writeParts(model, to: folder, tokenizerSource: tokenizerSource, as: type) }
    }

    static func writeParts(_ model: StableDiffusionModel, to folder: URL, tokenizerSource: URL, as type: SafeTensorsFile.StorageType) throws {
        try writeTextEncoder(model.textEncoder, to: folder.appendingPathComponent("text_encoder"), as: type)
        try writeUNet(model.unet, to: folder.appendingPathComponent("unet"), as: type)
        try writeVAE(model.vae, to: folder.appendingPathComponent("vae"), as: type)
        try writeTokenizer(from: tokenizerSource, to: folder.appendingPathComponent("tokenizer"))
        try writeScheduler(model.schedulerConfig, to: folder.appendingPathComponent("scheduler"))
        try writeModelIndex(to: folder, schedulerClass: model.schedulerConfig.className ?? "DDIMScheduler")
    }

    public static func writeTokenizer(from source: URL, to folder: URL) throws {
        try copyFiles(from: source, to: folder)
    }

    /// Copies the files of one folder (not hidden, not nested) into another.
    public static func copyFiles(from source: URL, to folder: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: source.path).sorted() where !name.hasPrefix(".") {
            let data = try Data(contentsOf: source.appendingPathComponent(name))
            try data.writeDurably(to: folder.appendingPathComponent(name))
        }
    }

    public static func writeScheduler(_ config: SchedulerConfig, to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Strata's PNDM is the PLMS form Stable Diffusion uses (no Runge-Kutta warm-up).
        try writeConfig(config, extra: ["_class_name": .string(config.className ?? "DDIMScheduler"), "_diffusers_version": .string(diffusersVersion),
                                        "clip_sample": false, "skip_prk_steps": true],
                        to: folder.appendingPathComponent("scheduler_config.json"))
    }

    public static func writeModelIndex(to folder: URL, schedulerClass: String = "DDIMScheduler") throws {
        let index: [String: JSONValue] = [
            "_class_name": "StableDiffusionPipeline", "_diffusers_version": .string(diffusersVersion),
            "feature_extractor": [nil, nil], "safety_checker": [nil, nil], "image_encoder": [nil, nil],
            "requires_safety_checker": false,
            "scheduler": ["diffusers", .string(schedulerClass)], "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
            "vae": ["diffusers", "AutoencoderKL"],
        ]
        try writeModelIndex(index, to: folder)
    }

    /// model_index.json with the given entries (sorted keys, a final newline).
    public static func writeModelIndex(_ index: [String: JSONValue], to folder: URL) throws {
        try JSONValue.object(index).data().writeDurably(to: folder.appendingPathComponent("model_index.json"))
    }

    /// Always the plain name, whatever the storage type: diffusers loads it without
    /// being asked for a variant.
    static func weightsPath(_ folder: URL, _ name: String, _ type: SafeTensorsFile.StorageType) -> String {
        folder.appendingPathComponent(name + ".safetensors").path
    }
}
