// Stage 2, layered fine-tuning: with e_opt = α ê_a + (1 − α) ê_b frozen, train a copy of
// the UNet on λ1 L_obj + λ2 L_bg, where L_obj keeps the subject of the source and L_bg
// fits the reference's background outside both the placement and the reference's own
// subject. The model's own UNet is never changed.
import StrataModels
import StrataTensor

public struct LayeredFineTuning {
    public var steps: Int
    public var learningRate: Float
    public var lambda1: Float, lambda2: Float
    public var mode: FineTuneMode
    public var seed: UInt64

    public init(steps: Int, learningRate: Float, lambda1: Float, lambda2: Float, mode: FineTuneMode, seed: UInt64) {
        self.steps = steps; self.learningRate = learningRate; self.lambda1 = lambda1; self.lambda2 = lambda2
        self.mode = mode; self.seed = seed
    }

    /// The parameters a mode trains.
    public static func trainable(_ unet: UNet2DConditionModel, mode: FineTuneMode) -> [Tensor] {
        unet.parameters.tensors.filter { mode == .full || $0.name.contains(".attn1.") || $0.name.contains(".attn2.") }.map(\.tensor)
    }

    /// Returns the fine-tuned copy (the base UNet itself when there are no steps) and the
    /// last step's losses. Masks are at latent size.
    public func run(model: EditModel, source: Tensor, reference: Tensor, objectMask: Tensor, backgroundMask: Tensor,
                    embedding: Tensor, progress: ProgressHandler) throws -> (UNet2DConditionModel, (Float, Float)?) {
        guard steps > 0 else { return (model.model.unet, nil) }
        let unet = try model.model.unet.copy()
        let params = Self.trainable(unet, mode: mode).map { $0.requiringGrad() }
        let adam = Adam(params, learningRate: learningRate)
        adam.updateDuringBackward()
        let loss = LayeredLoss(objectMask: objectMask, backgroundMask: backgroundMask)
        var rng = StrataRandom(seed: seed)
        var last: (Float, Float)?
        for step in 0..<steps {
            adam.beginStep()
            let (obj, bg) = loss(unet: unet, model: model, source: source, reference: reference, contexts: (embedding, embedding), rng: &rng)
            let total = obj * lambda1 + bg * lambda2
            guard total.item.isFinite else { throw EditError.diverged(stage: .finetune, step: step + 1) }
            total.backward()
            last = (obj.item, bg.item)
            guard progress(StageProgress(stage: .finetune, step: step + 1, total: steps, objectLoss: last!.0, backgroundLoss: last!.1)) else {
                throw EditError.cancelled(.finetune)
            }
        }
        for p in params { p.onGradientReady = nil; p.requiringGrad(false) }
        return (unet, last)
    }
}
