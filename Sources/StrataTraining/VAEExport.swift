// Turns a VAE training run into the model folder's vae/: fp16 weights and a config whose
// scaling factor is 1/std of the latents of training scenes, as Stable Diffusion's
// 0.18215 was chosen, so the UNet sees latents of unit variance.
import Foundation
import StrataModels
import StrataSprites
import StrataTensor

public enum VAEExport {
    /// The standard deviation of latent means over `count` training scenes.
    public static func latentStd(_ vae: AutoencoderKL, renderer: SceneRenderer, count: Int = 512) -> Double {
        latentStd(count: count) { first, n in
            GradMode.disabled { vae.encodeMoments(SceneBatch(renderer: renderer, run: 99, first: first, count: n).images).mean }
        }
    }

    /// The standard deviation of the values `means(first, n)` gives for training scenes
    /// first..<first+n of run 99, over `count` scenes, 32 at a time.
    static func latentStd(count: Int, means: (_ first: Int, _ n: Int) -> Tensor) -> Double {
        var sum = 0.0, sumSq = 0.0, n = 0.0
        for first in stride(from: 0, to: count, by: 32) {
            let mean = means(first, min(32, count - first))
            for i in 0..<mean.count { let v = Double(mean.data[i]); sum += v; sumSq += v * v; n += 1 }
        }
        let m = sum / n
        return (sumSq / n - m * m).squareRoot()
    }

    /// Writes `folder` (config.json + fp16 weights) from the run's parameters, with the
    /// given scaling factor (that of the vae/ folder a UNet was trained on, when only the
    /// decoder trained since) or one measured from the run's latents.
    @discardableResult
    public static func export(run: URL, to folder: URL, renderer: SceneRenderer, scalingFactor: Double? = nil) throws -> Double {
        let store = try TrainingState(folder: run).parameterStore("vae")
        var config = SpriteModelRecipe.vae
        if let scalingFactor {
            config.scalingFactor = scalingFactor
        } else {
            let trained = try AutoencoderKL(config: SpriteModelRecipe.vae, weights: store)
            config.scalingFactor = Double(Float(1 / latentStd(trained, renderer: renderer)))
        }
        let vae = try AutoencoderKL(config: config, weights: store)
        try AtomicFolder.write(folder) { try ModelFolderWriter.writeVAE(vae, to: $0, as: .f16) }
        return config.scalingFactor
    }
}
