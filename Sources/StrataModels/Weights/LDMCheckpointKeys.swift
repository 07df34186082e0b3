// Every key renaming between diffusers' names and the original latent-diffusion names
// of single-file Stable Diffusion 1.x checkpoints, in one place. Models ask for weights
// by diffusers name; these functions say where a single file keeps them.
// (After diffusers' single_file_utils and stable-diffusion.cpp's name_conversion.cpp.)

public enum LDMCheckpointKeys {
    static let unetPrefix = "model.diffusion_model."
    static let vaePrefix = "first_stage_model."
    static let textPrefix = "cond_stage_model.transformer."

    static let resnet = ["norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
                         "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"]

    /// The original name of a UNet weight.
    public static func unet(_ key: String, config: UNetConfig) -> String {
        let fixed = ["conv_in": "input_blocks.0.0", "time_embedding.linear_1": "time_embed.0",
                     "time_embedding.linear_2": "time_embed.2", "conv_norm_out": "out.0", "conv_out": "out.2"]
        for (a, b) in fixed where key.hasPrefix(a + ".") { return unetPrefix + b + key.dropFirst(a.count) }
        let p = key.split(separator: ".").map(String.init)
        let perBlock = config.layersPerBlock + 1
        func tail(_ from: Int) -> String { p[from...].joined(separator: ".") }
        func resnetTail(_ from: Int) -> String { (resnet[p[from]] ?? p[from]) + "." + tail(from + 1) }
        switch p[0] {
        case "down_blocks":
            let i = Int(p[1])!
            switch p[2] {
            case "resnets": return unetPrefix + "input_blocks.\(1 + i * perBlock + Int(p[3])!).0." + resnetTail(4)
            case "attentions": return unetPrefix + "input_blocks.\(1 + i * perBlock + Int(p[3])!).1." + tail(4)
            default: return unetPrefix + "input_blocks.\(1 + i * perBlock + config.layersPerBlock).0.op." + tail(5)
            }
        case "mid_block":
            if p[1] == "resnets" { return unetPrefix + "middle_block.\(p[2] == "0" ? 0 : 2)." + resnetTail(3) }
            return unetPrefix + "middle_block.1." + tail(3)
        case "up_blocks":
            let i = Int(p[1])!
            switch p[2] {
            case "resnets": return unetPrefix + "output_blocks.\(i * perBlock + Int(p[3])!).0." + resnetTail(4)
            case "attentions": return unetPrefix + "output_blocks.\(i * perBlock + Int(p[3])!).1." + tail(4)
            default:
                // The upsampler follows the attention in blocks that have one.
                let slot = config.upBlockTypes[i].hasPrefix("CrossAttn") ? 2 : 1
                return unetPrefix + "output_blocks.\(i * perBlock + config.layersPerBlock).\(slot).conv." + tail(5)
            }
        default: return unetPrefix + key
        }
    }

    /// The original name of a VAE weight. The original keeps the mid-block attention's
    /// projections as 1×1 convolutions; the weight store accepts those shapes.
    public static func vae(_ key: String, config: VAEConfig) -> String {
        let p = key.split(separator: ".").map(String.init)
        let n = config.blockOutChannels.count
        func tail(_ from: Int) -> String {
            p[from...].joined(separator: ".").replacingOccurrences(of: "conv_shortcut", with: "nin_shortcut")
        }
        guard p[0] == "encoder" || p[0] == "decoder" else { return vaePrefix + key }
        let side = p[0]
        switch p[1] {
        case "conv_norm_out": return vaePrefix + side + ".norm_out." + tail(2)
        case "mid_block":
            if p[2] == "resnets" { return vaePrefix + side + ".mid.block_\(Int(p[3])! + 1)." + tail(4) }
            let names = ["group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out": "proj_out"]
            return vaePrefix + side + ".mid.attn_1.\(names[p[4]] ?? p[4]).\(p.last!)"
        case "down_blocks":
            let i = Int(p[2])!
            if p[3] == "resnets" { return vaePrefix + "encoder.down.\(i).block.\(p[4])." + tail(5) }
            return vaePrefix + "encoder.down.\(i).downsample.conv.\(p.last!)"
        case "up_blocks":
            let i = n - 1 - Int(p[2])!  // the original counts decoder blocks from the bottom
            if p[3] == "resnets" { return vaePrefix + "decoder.up.\(i).block.\(p[4])." + tail(5) }
            return vaePrefix + "decoder.up.\(i).upsample.conv.\(p.last!)"
        default: return vaePrefix + key
        }
    }

    /// The original name of a CLIP text encoder weight (transformers' names under
    /// `cond_stage_model.transformer.`, always with `text_model.`).
    public static func textEncoder(_ key: String) -> String {
        textPrefix + (key.hasPrefix("text_model.") ? key : "text_model." + key)
    }

    /// Whether a file looks like an SD 1.x single-file checkpoint.
    public static func isSingleFile(_ names: [String]) -> Bool {
        names.contains { $0.hasPrefix(unetPrefix) } && names.contains { $0.hasPrefix(vaePrefix) }
            && names.contains { $0.hasPrefix(textPrefix) }
    }
}
