// Imagic's trained parts (optimised embedding, fine-tuned UNet) for one source image,
// by the training settings that made them: a sweep over its sampling settings trains once.
import StrataTensor

public final class ImagicCache {
    var entries: [String: (embedding: Tensor, unet: StageCache.Entry)] = [:]
    public init() {}
}
