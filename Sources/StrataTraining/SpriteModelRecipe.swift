// The shape of the built-in model (Assets/models/strata-sprites): 64×64 images, a VAE
// with 4× downsampling to 16×16×4 latents, a small CLIP text encoder over the CLIP BPE
// vocabulary, a UNet with cross-attention at every level (16×16, 8×8 and 4×4), where a
// caption's animal, pose, size and place are laid out. How it grew to this shape:
// docs/lab/built-in-model-history.md.
import StrataModels

public enum SpriteModelRecipe {
    public static var vae: VAEConfig {
        var c = VAEConfig()
        c.blockOutChannels = [32, 64, 128]
        c.layersPerBlock = 1
        c.normNumGroups = 32
        c.latentChannels = 4
        c.sampleSize = 64
        c.scalingFactor = 1  // replaced by 1/std of the trained VAE's latents at export
        return c
    }

    public static var textEncoder: CLIPTextConfig {
        var c = CLIPTextConfig()
        c.hiddenSize = 128
        c.intermediateSize = 512
        c.numHiddenLayers = 4
        c.numAttentionHeads = 4
        c.maxPositionEmbeddings = 77
        c.hiddenAct = "quick_gelu"
        return c
    }

    public static var unet: UNetConfig {
        var c = UNetConfig()
        c.sampleSize = 16
        c.blockOutChannels = [32, 64, 128]
        c.layersPerBlock = 1
        c.downBlockTypes = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"]
        c.upBlockTypes = ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
        c.attentionHeads = [4, 4, 4]
        c.crossAttentionDim = 128
        c.normNumGroups = 32
        return c
    }

    public static var scheduler: SchedulerConfig {
        var c = SchedulerConfig()
        c.className = "DDIMScheduler"
        return c
    }
}
