// A batch of two-layer images (Text2Layer): foreground F, background B and mask m, whose
// composite is m·F + (1 − m)·B. F's colour is straight (not multiplied by m).
import StrataTensor

public struct TwoLayerImages {
    /// F: [N, 3, H, W] in [−1, 1].
    public let foreground: Tensor
    /// B: [N, 3, H, W] in [−1, 1].
    public let background: Tensor
    /// m: [N, 1, H, W] in [0, 1].
    public let mask: Tensor

    public init(foreground: Tensor, background: Tensor, mask: Tensor) {
        precondition(foreground.shape == background.shape && foreground.shape[1] == 3, "TwoLayerImages: F \(foreground.shape), B \(background.shape)")
        precondition(mask.shape == [foreground.shape[0], 1, foreground.shape[2], foreground.shape[3]], "TwoLayerImages: m \(mask.shape)")
        self.foreground = foreground; self.background = background; self.mask = mask
    }

    /// The layered autoencoder's seven channels, in this order: F's RGB, B's RGB, 2m − 1.
    public static let channels = 7

    /// [N, 7, H, W]: F, B and m, all in [−1, 1].
    public var packed: Tensor { Tensor.concat([foreground, background, mask * 2 - 1], axis: 1) }

    /// Splits seven channels back into layers (the inverse of `packed`); m is clamped to [0, 1].
    public init(packed x: Tensor) {
        precondition(x.rank == 4 && x.shape[1] == Self.channels, "TwoLayerImages: \(x.shape) is not [N, 7, H, W]")
        let parts = x.split(axis: 1, sizes: [3, 3, 1])
        self.init(foreground: parts[0], background: parts[1], mask: ((parts[2] + 1) * 0.5).clamped(0, 1))
    }

    /// m·F + (1 − m)·B: [N, 3, H, W] in [−1, 1].
    public var composite: Tensor { background + mask * (foreground - background) }
}
