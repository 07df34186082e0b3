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

    public convenience init(folder: URL, vae: AutoencoderKL, renderer: SceneRenderer, run: UInt64, count: Int, log: TrainingLog) throws {
        try self.init(folder: folder, channels: vae.config.latentChannels, fingerprint: "\(vae.config.scalingFactor)", count: count, log: log) { first, n in
            let batch = SceneBatch(renderer: renderer, run: run, first: first, count: n)
            let z = GradMode.disabled { vae.encodeMoments(batch.images).mean * Float(vae.config.scalingFactor) }
            return (z, batch.scenes.map { $0.caption.text })
        }
    }

    /// A cache of latents any encoder gives: `encode(first, n)` returns the scaled latents
    /// [n, channels, 16, 16] and captions of training scenes first..<first+n. A cache
    /// file is reused only when its `fingerprint` (the encoder's scaling factor, or more)
    /// matches.
    /// What is encoded is saved every `saveEvery` chunks of 64 scenes.
    public init(folder: URL, channels c: Int, fingerprint: String, count: Int, log: TrainingLog, saveEvery: Int = 100,
                encode: (_ first: Int, _ n: Int) throws -> (latents: Tensor, captions: [String])) throws {
        self.count = count
        url = folder.appendingPathComponent("latents.safetensors")
        let side = SceneCanvas.side / 4
        if let file = try? SafeTensorsFile(path: url.path), file.entries["latents"]?.shape == [count, c, side, side],
           let meta = file.metadata["captions"], let names = try? JSONDecoder().decode([String].self, from: Data(meta.utf8)),
           names.count == count, file.metadata["scaling_factor"] == fingerprint {
            latents = try file.tensor("latents")
            captions = names
            log.line("latent cache: \(count) scenes read from \(url.lastPathComponent)")
            return
        }
        // Encoding takes an hour on two cores: what is encoded is saved as it goes
        // (`latents.partial.safetensors`), and a stopped run goes on from there.
        let partialURL = folder.appendingPathComponent("latents.partial.safetensors")
        latents = Tensor(zeros: [count, c, side, side])
        captions = []
        var start = 0
        if let file = try? SafeTensorsFile(path: partialURL.path), file.entries["latents"]?.shape == [count, c, side, side],
           file.metadata["scaling_factor"] == fingerprint, let meta = file.metadata["captions"],
           let names = try? JSONDecoder().decode([String].self, from: Data(meta.utf8)), names.count % 64 == 0, names.count < count {
            latents = try file.tensor("latents")
            captions = names
            start = names.count
            log.line("latent cache: going on from \(start)/\(count) scenes encoded before")
        }
        let started = Date()
        let chunk = 64
        for first in stride(from: start, to: count, by: chunk) {
            let n = min(chunk, count - first)
            let (z, texts) = try encode(first, n)
            latents.data.advanced(by: first * z.count / n).update(from: z.data, count: z.count)
            captions += texts
            if ((first - start) / chunk) % 50 == 0 {
                let rate = Double(first + n - start) / Date().timeIntervalSince(started)
                log.line(String(format: "latent cache: %d/%d scenes encoded, %.0f/s", first + n, count, rate))
            }
            if (first / chunk) % saveEvery == saveEvery - 1, first + n < count {
                let meta = String(decoding: try JSONEncoder().encode(captions), as: UTF8.self)
                try SafeTensorsFile.write(["latents": latents], to: partialURL.path, as: .f16,
                                          metadata: ["captions": meta, "scaling_factor": fingerprint])
            }
        }
        let meta = String(decoding: try JSONEncoder().encode(captions), as: UTF8.self)
        try SafeTensorsFile.write(["latents": latents], to: url.path, as: .f16,
                                  metadata: ["captions": meta, "scaling_factor": fingerprint])
        try? FileManager.default.removeItem(at: partialURL)
        // Read back through fp16, so a resumed run sees exactly the same latents.
        latents = try SafeTensorsFile(path: url.path).tensor("latents")
    }

    /// The share of each 4×4 cell of a scene's mask (0/1 bytes, row-major) the subject
    /// covers: the mask at latent size.
    static func latentCoverage(_ mask: [UInt8]) -> [Float] {
        let full = SceneCanvas.side, side = full / 4
        var out = [Float](repeating: 0, count: side * side)
        for y in 0..<full { for x in 0..<full where mask[y * full + x] > 0 { out[(y / 4) * side + x / 4] += 1 / 16 } }
        return out
    }

    /// The scenes' subject masks at latent size [count, 1, h, w] (the share of each latent
    /// cell the subject covers), rendered once from the same seeds as the latents and kept
    /// beside them in `masks.safetensors`.
    public func subjectMasks(renderer: SceneRenderer, run: UInt64, log: TrainingLog) throws -> Tensor {
        let file = url.deletingLastPathComponent().appendingPathComponent("masks.safetensors")
        let side = SceneCanvas.side / 4
        if let saved = try? SafeTensorsFile(path: file.path), saved.entries["masks"]?.shape == [count, 1, side, side] {
            log.line("latent cache: \(count) subject masks read from \(file.lastPathComponent)")
            return try saved.tensor("masks")
        }
        let masks = Tensor(zeros: [count, 1, side, side])
        let started = Date()
        for first in stride(from: 0, to: count, by: 1024) {
            let n = min(1024, count - first)
            for k in first..<(first + n) {
                let cover = Self.latentCoverage(renderer.render(seed: SceneBatch.trainingSeed(run: run, index: k)).mask)
                masks.data.advanced(by: k * side * side).update(from: cover, count: cover.count)
            }
            if (first / 1024) % 20 == 0 {
                log.line(String(format: "latent cache: %d/%d subject masks, %.0f/s", first + n, count, Double(first + n) / Date().timeIntervalSince(started)))
            }
        }
        try SafeTensorsFile.write(["masks": masks], to: file.path, as: .f16)
        return try SafeTensorsFile(path: file.path).tensor("masks")
    }
}
