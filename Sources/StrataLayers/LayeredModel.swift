// A layered model (Text2Layer) in a diffusers-like folder: model_index.json naming the
// pipeline, tokenizer/, text_encoder/, unet/ (on the layered latent), layered_vae/ and
// scheduler/. The same code reads any size: the shapes come from the configs.
import Foundation
import StrataModels
import StrataTensor

public final class LayeredModel {
    public static let pipelineClass = "StrataText2LayerPipeline"

    public let folder: URL?
    public let tokenizer: CLIPTokenizer
    public let textEncoder: CLIPTextModel
    public let unet: UNet2DConditionModel
    public let autoencoder: LayeredAutoencoder
    public let schedulerConfig: SchedulerConfig

    public init(tokenizer: CLIPTokenizer, textEncoder: CLIPTextModel, unet: UNet2DConditionModel, autoencoder: LayeredAutoencoder,
                schedulerConfig: SchedulerConfig, folder: URL? = nil) throws {
        guard unet.config.inChannels == autoencoder.config.latentChannels, unet.config.outChannels == autoencoder.config.latentChannels else {
            throw LayeredModelError.malformed("the UNet reads \(unet.config.inChannels) and writes \(unet.config.outChannels) channels; the layered autoencoder's latent has \(autoencoder.config.latentChannels)")
        }
        guard unet.config.crossAttentionDim == textEncoder.config.hiddenSize else {
            throw LayeredModelError.malformed("the UNet attends to \(unet.config.crossAttentionDim)-wide text states; the text encoder gives \(textEncoder.config.hiddenSize)")
        }
        self.tokenizer = tokenizer; self.textEncoder = textEncoder; self.unet = unet; self.autoencoder = autoencoder
        self.schedulerConfig = schedulerConfig; self.folder = folder
    }

    /// Loads every component, naming the part that is missing or wrong; a folder of
    /// another pipeline (an image model) is refused with what it is.
    public convenience init(folder: URL) throws {
        let f = try ModelFolder(folder)
        guard f.pipelineClass == Self.pipelineClass else {
            throw LayeredModelError.malformed("\(folder.path): not a layered model (its model_index.json names \(f.pipelineClass ?? "no pipeline"), not \(Self.pipelineClass))")
        }
        try self.init(tokenizer: f.load("tokenizer") { try CLIPTokenizer(folder: $0) },
                      textEncoder: f.load("text_encoder") { try CLIPTextModel(folder: $0) },
                      unet: f.load("unet") { try UNet2DConditionModel(folder: $0) },
                      autoencoder: f.load("layered_vae") { try LayeredAutoencoder(folder: $0) },
                      schedulerConfig: f.load("scheduler") { try SchedulerConfig.load($0.appendingPathComponent("scheduler_config.json")) },
                      folder: folder)
    }

    /// The native image side in pixels.
    public var sampleSize: Int { autoencoder.config.sampleSize }

    public func encode(_ texts: [String]) -> Tensor { textEncoder.encode(texts, tokenizer: tokenizer) }
}
