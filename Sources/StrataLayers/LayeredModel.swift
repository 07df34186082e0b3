// A layered model (Text2Layer) in a diffusers-like folder: model_index.json naming the
// pipeline, tokenizer/, text_encoder/, unet/ (on the layered latent), layered_vae/ and
// scheduler/; the paper's baseline keeps an image autoencoder in vae/ instead
// (SeparateLayerCodec). The same code reads any size: the shapes come from the configs.
import Foundation
import StrataModels
import StrataTensor

public final class LayeredModel {
    public static let pipelineClass = "StrataText2LayerPipeline"
    public static let baselinePipelineClass = "StrataText2LayerBaselinePipeline"

    public let folder: URL?
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let codec: any LayerCodec
    public let schedulerConfig: SchedulerConfig

    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, unet: UNet2DConditionModel, codec: any LayerCodec,
                schedulerConfig: SchedulerConfig, folder: URL? = nil) throws {
        guard unet.config.inChannels == codec.latentChannels, unet.config.outChannels == codec.latentChannels else {
            throw LayeredModelError.malformed("the UNet reads \(unet.config.inChannels) and writes \(unet.config.outChannels) channels; the \(codec.component) latent has \(codec.latentChannels)")
        }
        guard unet.config.crossAttentionDim == textEncoder.config.hiddenSize else {
            throw LayeredModelError.malformed("the UNet attends to \(unet.config.crossAttentionDim)-wide text states; the text encoder gives \(textEncoder.config.hiddenSize)")
        }
        self.tokenizer = tokenizer; self.textEncoder = textEncoder; self.unet = unet; self.codec = codec
        self.schedulerConfig = schedulerConfig; self.folder = folder
    }

    /// Loads every component, naming the part that is missing or wrong; a folder of
    /// another pipeline (an image model) is refused with what it is.
    public convenience init(folder: URL) throws {
        let f = try ModelFolder(folder)
        let codec: any LayerCodec
        switch f.pipelineClass {
        case Self.pipelineClass?: codec = try f.load("layered_vae") { try LayeredAutoencoder(folder: $0) }
        case Self.baselinePipelineClass?: codec = try f.load("vae") { try SeparateLayerCodec(vae: AutoencoderKL(folder: $0)) }
        default:
            throw LayeredModelError.malformed("\(folder.path): not a layered model (its model_index.json names \(f.pipelineClass ?? "no pipeline"), not \(Self.pipelineClass))")
        }
        let tokenizer = try f.load("tokenizer") { try CLIPTokenizer(folder: $0) }
        let text = try f.load("text_encoder") { try CLIPTextModel(folder: $0) }
        try tokenizer.check(against: text, folder: folder)
        try self.init(tokenizer: tokenizer,
                      textEncoder: text,
                      unet: f.load("unet") { try UNet2DConditionModel(folder: $0) },
                      codec: codec,
                      schedulerConfig: f.load("scheduler") { try SchedulerConfig.load($0.appendingPathComponent("scheduler_config.json")) },
                      folder: folder)
    }

    /// The native image side in pixels.
    public var sampleSize: Int { codec.sampleSize }

    public func encode(_ texts: [String]) -> Tensor { textEncoder.encode(texts, tokenizer: tokenizer) }
}
