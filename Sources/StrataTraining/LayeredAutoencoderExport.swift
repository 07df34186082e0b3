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
        var sum = 0.0, sumSq = 0.0, n = 0.0
        for first in stride(from: 0, to: count, by: 32) {
            let batch = LayeredSceneBatch(renderer: renderer, run: 99, first: first, count: min(32, count - first))
            let mean = GradMode.disabled { model.encodeMoments(batch.layers).mean }
            for i in 0..<mean.count { let v = Double(mean.data[i]); sum += v; sumSq += v * v; n += 1 }
        }
        let m = sum / n
        return (sumSq / n - m * m).squareRoot()
    }

    /// Writes `folder` from the run's last weights, with the given scaling factor (that of
    /// the folder a UNet trained on, when only the decoder trained since) or one measured.
    @discardableResult
    public static func export(run: URL, to folder: URL, renderer: SceneRenderer, scalingFactor: Double? = nil) throws -> Double {
        let trained = try LayeredAutoencoderTrainer.trained(run: run)
        var config = trained.config
        config.scalingFactor = scalingFactor ?? Double(Float(1 / latentStd(trained, renderer: renderer)))
        let model = try LayeredAutoencoder(config: config, weights: TrainingState(folder: run).parameterStore("layered_vae"), compositeHead: false)
        try ModelFolderWriter.writeVAE(model.core, to: folder, as: .f16)
        return config.scalingFactor
    }
}
