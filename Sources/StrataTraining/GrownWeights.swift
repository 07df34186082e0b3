// Starting a larger model from a smaller one's weights: a run whose recipe adds blocks
// (cross-attention at a level that had none) goes on from a finished model instead of
// from scratch. Tensors the finished model holds are taken as they are; the added ones
// start fresh, with the output projections of added attention blocks at zero, so each
// added block passes its input through unchanged (a residual of zero) and the larger
// model draws exactly what the smaller one drew until training moves them.
import StrataModels
import StrataTensor

public enum GrownWeights {
    /// Whether a fresh tensor is an output projection that must start at zero.
    static func startsAtZero(_ name: String) -> Bool {
        name.contains("attentions.") && (name.hasSuffix("proj_out.weight") || name.hasSuffix("proj_out.bias"))
    }

    /// `base`'s tensors, and `fresh`'s for names `base` lacks (zero where `startsAtZero`);
    /// `added` hears each name taken from `fresh`.
    public static func store(_ base: WeightStore, fresh: WeightStore, added: @escaping (String) -> Void = { _ in }) -> WeightStore {
        WeightStore(source: "\(base.source), grown", has: { base.contains($0) || fresh.contains($0) }) { name, shape in
            if base.contains(name) { return try base.tensor(name, shape) }
            added(name)
            let t = try fresh.tensor(name, shape)
            return startsAtZero(name) ? Tensor(zeros: shape) : t
        }
    }
}
