// How much memory an edit will need at its peak, estimated before it starts so that a
// job that cannot fit is refused with the figures instead of failing hours in. The
// weights and optimiser state are counted exactly; activations are a count of one
// feature map per resolution level times a factor fitted to the peaks measured with
// `strata bench unet|vae|edit --config sd15` (docs/performance.md): 290 maps per sample
// for an edit's training step with gradient checkpointing (a 512×512 LoRA edit peaked at
// 9.6–9.9 GB), 390 without, 30 for a forward pass, 19 for a VAE decode at full
// resolution; and 64 MB for the process itself and OpenBLAS's buffers (a built-in-model
// edit peaked at 201 MB against 148 MB counted).
import Foundation
import StrataModels

public struct MemoryEstimate: Sendable, CustomStringConvertible {
    /// Bytes per part: "process", "weights", "finetune", "sample", "decode".
    public var parts: [String: Int]
    public var peakBytes: Int

    public var description: String {
        String(format: "%.1f GB", Double(peakBytes) / 1e9)
    }

    public static func edit(model: EditModel, settings: EditSettings, side: Int) -> MemoryEstimate {
        let sd = model.model
        let unetParameters = sd.unet.parameters.elementCount
        let weights = 4 * (unetParameters + sd.vae.parameters.elementCount + sd.textEncoder.parameters.elementCount)
        let latentSide = side / model.factor
        // One feature map per UNet level for one sample, in bytes.
        let unetMaps = Int(GenerationMemory.featureMapBytes(sd.unet.config.blockOutChannels, width: latentSide, height: latentSide))
        let vaeMaps = Int(GenerationMemory.featureMapBytes(sd.vae.config.blockOutChannels, width: side, height: side))
        let s = settings.effective
        var finetune = 0
        let mapsPerSample = latentSide >= 32 ? 290 : 390
        if s.finetuneSteps > 0 {
            let trained: Int
            switch s.finetuneMode {
            case .full, .attention:
                trained = LayeredFineTuning.trainable(sd.unet, mode: s.finetuneMode).reduce(0) { $0 + $1.tensor.count }
                finetune += 4 * unetParameters  // the copy that is trained
            case .lora:
                trained = sd.unet.attentionProjections.reduce(0) { $0 + s.loraRank * ($1.inFeatures + $1.outFeatures) }
            }
            finetune += 12 * trained + 2 * mapsPerSample * unetMaps  // gradient and two moments; batch 2
        }
        // A second subject embedding makes stage 1's batch three samples; the built-in
        // model's edit then peaked 20–29 MB higher (256–265 MB against 236), as if the third
        // sample's maps stayed on top of what fine-tuning takes.
        if s.embeddingSteps > 0, s.mixEmbeddingLR > 0 {
            finetune += mapsPerSample * unetMaps
        }
        // Seeds sampled together are one batch; their maps come on top of the buffers kept
        // from fine-tuning (the built-in model's edit peaked 15 MB higher with four seeds
        // together, 237 MB).
        let together = IterativeGuidance(s).samplesTogether(s.seeds, latentSide: latentSide)
        let sample = 2 * (together ? s.seeds.count : 1) * 30 * unetMaps
        let decode = 19 * vaeMaps
        let process = GenerationMemory.processBytes
        let parts = ["process": process, "weights": weights, "finetune": finetune, "sample": sample, "decode": decode]
        let work = together ? max(finetune + sample, decode) : max(finetune, sample, decode)
        return MemoryEstimate(parts: parts, peakBytes: process + weights + work)
    }

    /// The memory this process may use (GenerationMemory.available).
    public static var available: Int { GenerationMemory.available }
}
