// diffusers' ResnetBlock2D: GroupNorm, SiLU, 3×3 conv, plus the projected time
// embedding; GroupNorm, SiLU, 3×3 conv; a 1×1 shortcut when the channel count changes.
import StrataTensor

struct ResnetBlock {
    let norm1: GroupNorm, conv1: Conv2d, timeProjection: Linear?, norm2: GroupNorm, conv2: Conv2d
    let shortcut: Conv2d?

    init(_ p: ParameterRegistry, _ name: String, inC: Int, outC: Int, timeDim: Int?, groups: Int, eps: Float) throws {
        norm1 = try GroupNorm(p, name + ".norm1", inC, groups: groups, eps: eps)
        conv1 = try Conv2d(p, name + ".conv1", inC, outC, kernel: 3, padding: 1)
        timeProjection = try timeDim.map { try Linear(p, name + ".time_emb_proj", $0, outC) }
        norm2 = try GroupNorm(p, name + ".norm2", outC, groups: groups, eps: eps)
        conv2 = try Conv2d(p, name + ".conv2", outC, outC, kernel: 3, padding: 1)
        shortcut = inC == outC ? nil : try Conv2d(p, name + ".conv_shortcut", inC, outC, kernel: 1)
    }

    /// `timeEmbedding` is the UNet's [N, timeDim] embedding after its SiLU.
    func callAsFunction(_ x: Tensor, _ timeEmbedding: Tensor?) -> Tensor {
        var h = conv1(norm1(x).silu())
        if let timeProjection, let timeEmbedding {
            let t = timeProjection(timeEmbedding)
            h = h + t.reshaped([t.shape[0], t.shape[1], 1, 1])
        }
        h = conv2(norm2(h).silu())
        return (shortcut?(x) ?? x) + h
    }
}
