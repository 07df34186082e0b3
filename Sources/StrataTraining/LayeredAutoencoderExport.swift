// Turns a layered autoencoder run into a model folder's layered_vae/: an AutoencoderKL
// folder with seven channels in and out (diffusers loads it as one), fp16 weights
// without the auxiliary head, and a scaling factor of 1/std of training scenes' latents.
import Foundation
import StrataLayers
import StrataModels
import StrataSprites
import StrataTensor

public enum LayeredAutoencoderExport {
    /// The standard deviation of latent means over `count` training scenes' layers.
    public static func latentStd(_ model: LayeredAutoencoder, renderer: SceneRenderer, count: Int = 512) -> Double {
        VAEExport.latentStd(count: count) { first, n in
            GradMode.disabled { model.encodeMoments(LayeredSceneBatch(renderer: renderer, run: 99, first: first, count: n).layers).mean }
        }
    }

    /// Writes `folder` from the run's last weights, with the given scaling factor (that of
    /// the folder a UNet trained on, when only the decoder trained since) or one measured.
    @discardableResult
    public static func export(run: URL, to folder: URL, renderer: SceneRenderer, scalingFactor: Double? = nil) throws -> Double {
        let trained = try LayeredAutoencoderTrainer.trained(run: run)
        var config = trained.config
        config.scalingFactor = scalingFactor ?? Double(Float(1 / latentStd(trained, renderer: renderer)))
        let model = try LayeredAutoencoder(config: config, weights: TrainingState(folder: run).parameterStore("layered_vae"), compositeHead: false)
        try AtomicFolder.write(folder) { try ModelFolderWriter.writeVAE(model.core, to: $0, as: .f16) }
        return config.scalingFactor
    }
}
