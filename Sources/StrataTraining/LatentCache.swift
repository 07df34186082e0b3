// Latents of a fixed set of training scenes, encoded once by the frozen VAE encoder
// (the distribution's mean, scaled) and kept in the run folder, so UNet training does
// not pay for the encoder at every step. Grows in chunks; a resumed run reuses it.
import Foundation
import StrataModels
import StrataSprites
import StrataTensor

public final class LatentCache {
    public let count: Int
    /// [count, 4, h, w], scaled latents.
    public private(set) var latents: Tensor
    public private(set) var captions: [String]
    let url: URL

    public init(folder: URL, vae: AutoencoderKL, renderer: SceneRenderer, run: UInt64, count: Int, log: TrainingLog) throws {
        self.count = count
        url = folder.appendingPathComponent("latents.safetensors")
        let side = SceneCanvas.side / 4, c = vae.config.latentChannels
        if let file = try? SafeTensorsFile(path: url.path), file.entries["latents"]?.shape == [count, c, side, side],
           let meta = file.metadata["captions"], let names = try? JSONDecoder().decode([String].self, from: Data(meta.utf8)),
           names.count == count, file.metadata["scaling_factor"] == "\(vae.config.scalingFactor)" {
            latents = try file.tensor("latents")
            captions = names
            log.line("latent cache: \(count) scenes read from \(url.lastPathComponent)")
            return
        }
        latents = Tensor(zeros: [count, c, side, side])
        captions = []
        let started = Date()
        let chunk = 64
        for first in stride(from: 0, to: count, by: chunk) {
            let n = min(chunk, count - first)
            let batch = SceneBatch(renderer: renderer, run: run, first: first, count: n)
            let z = GradMode.disabled { vae.encodeMoments(batch.images).mean * Float(vae.config.scalingFactor) }
            latents.data.advanced(by: first * z.count / n).update(from: z.data, count: z.count)
            captions += batch.scenes.map { $0.caption.text }
            if (first / chunk) % 50 == 0 {
                let rate = Double(first + n) / Date().timeIntervalSince(started)
                log.line(String(format: "latent cache: %d/%d scenes encoded, %.0f/s", first + n, count, rate))
            }
        }
        let meta = String(decoding: try JSONEncoder().encode(captions), as: UTF8.self)
        try SafeTensorsFile.write(["latents": latents], to: url.path, as: .f16,
                                  metadata: ["captions": meta, "scaling_factor": "\(vae.config.scalingFactor)"])
        // Read back through fp16, so a resumed run sees exactly the same latents.
        latents = try SafeTensorsFile(path: url.path).tensor("latents")
    }
}
