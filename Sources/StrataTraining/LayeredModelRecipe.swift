// The shape of the layered model (Assets/models/strata-layers): the layered autoencoder
// reads F, B and m (seven channels) at 64×64 into a 16×16 latent; the UNet and text
// encoder follow the built-in model's recipe on that latent. docs/layers-model.md gives
// the measurements the widths and latent channels were chosen by.
import StrataModels

public enum LayeredModelRecipe {
    public static func autoencoder(latentChannels: Int, blocks: [Int]) -> VAEConfig {
        var c = SpriteModelRecipe.vae
        c.inChannels = 7
        c.outChannels = 7
        c.latentChannels = latentChannels
        c.blockOutChannels = blocks
        return c
    }
}
