// Stage 2, layered fine-tuning: with e_opt = α ê_a + (1 − α) ê_b frozen, train a copy of
// the UNet on λ1 L_obj + λ2 L_bg, where L_obj keeps the subject of the source and L_bg
// fits the reference's background outside both the placement and the reference's own
// subject. The model's own UNet is never changed. Ours, not the paper's: either loss may
// be weighted by noise level (NoiseSchedule.velocityWeight), off by default.
import StrataModels
import StrataTensor

public struct LayeredFineTuning {
    public var steps: Int
    public var learningRate: Float
    public var lambda1: Float, lambda2: Float
    public var mode: FineTuneMode
    public var seed: UInt64
    /// Cap γ of L_obj's noise weighting: each draw's loss times min(1/ᾱ_t, γ)
    /// (NoiseSchedule.velocityWeight), so the noisiest steps, where a sample's colours are
    /// settled, count in fitting the subject; 1 is the paper's plain loss. Ours.
    public var objectNoiseWeight: Float = 1
    /// The same weighting's cap for L_bg.
    public var backgroundNoiseWeight: Float = 1

    public init(steps: Int, learningRate: Float, lambda1: Float, lambda2: Float, mode: FineTuneMode, seed: UInt64) {
        self.steps = steps; self.learningRate = learningRate; self.lambda1 = lambda1; self.lambda2 = lambda2
        self.mode = mode; self.seed = seed
    }

    /// The UNet weights the full and attention modes train.
    public static func trainable(_ unet: UNet2DConditionModel, mode: FineTuneMode) -> [(name: String, tensor: Tensor)] {
        unet.parameters.tensors.filter { mode == .full || $0.name.contains(".attn1.") || $0.name.contains(".attn2.") }
    }

    /// Trains, and returns what was trained as named tensors ("unet.NAME" weights for the
    /// full and attention modes, "lora.LAYER.down/up" for LoRA) with the last step's
    /// losses. The base UNet is left as it was. Masks are at latent size.
    /// With `resume`, the stage checkpoints itself and goes on from the state a stopped run saved.
    public func run(model: EditModel, source: Tensor, reference: Tensor, objectMask: Tensor, backgroundMask: Tensor,
                    embedding: Tensor, loraRank: Int = 4, resume: StageResume = StageResume(),
                    progress: ProgressHandler) throws -> (StageCache.Entry, (Float, Float)?) {
        guard steps > 0 else { return ([:], nil) }
        let base = model.model.unet
        let unet: UNet2DConditionModel
        let trained: [(name: String, tensor: Tensor)]
        if mode == .lora {
            let adapters = base.loraAdapters(rank: loraRank, seed: seed)
            unet = try base.with(adapters)
            trained = adapters.sorted { $0.key < $1.key }.flatMap { [("lora.\($0.key).down", $0.value.down), ("lora.\($0.key).up", $0.value.up)] }
        } else {
            unet = try base.copy()
            trained = Self.trainable(unet, mode: mode).map { ("unet." + $0.name, $0.tensor) }
        }
        let params = trained.map { $0.tensor.requiringGrad() }
        let adam = Adam(params, learningRate: learningRate)
        var rng = StrataRandom(seed: seed)
        var last: (Float, Float)?
        var first = 0
        if let saved = resume.saved, let state = StageResume.restore(saved, adam: adam, trained: trained, steps: steps) {
            (first, rng, last) = state
            if first > 0 { _ = progress(StageProgress(stage: .finetune, step: first, total: steps, objectLoss: last?.0, backgroundLoss: last?.1, resumed: true)) }
        }
        adam.updateDuringBackward()
        var resume = resume
        func state(_ step: Int) -> StageCache.Entry { StageResume.state(step: step, rng: rng, adam: adam, last: last, trained: trained) }
        var loss = LayeredLoss(objectMask: objectMask, backgroundMask: backgroundMask)
        let schedule = model.schedule
        if objectNoiseWeight != 1 { loss.objectWeight = { [cap = objectNoiseWeight] t in schedule.velocityWeight(t, cap: cap) } }
        if backgroundNoiseWeight != 1 { loss.backgroundWeight = { [cap = backgroundNoiseWeight] t in schedule.velocityWeight(t, cap: cap) } }
        try model.checkpointing(latentSide: source.shape[2]) {
            for step in first..<steps {
                adam.beginStep()
                let (obj, bg) = loss(unet: unet, model: model, source: source, reference: reference, contexts: (embedding, embedding), rng: &rng)
                let total = obj * lambda1 + bg * lambda2
                guard total.item.isFinite else { throw EditError.diverged(stage: .finetune, step: step + 1) }
                total.backward()
                last = (obj.item, bg.item)
                guard progress(StageProgress(stage: .finetune, step: step + 1, total: steps, objectLoss: last!.0, backgroundLoss: last!.1)) else {
                    resume.stepDone(cancelling: true) { state(step + 1) }
                    throw EditError.cancelled(.finetune)
                }
                if step + 1 < steps { resume.stepDone { state(step + 1) } }
            }
        }
        for p in params { p.onGradientReady = nil; p.requiringGrad(false) }
        var entry: StageCache.Entry = [:]
        for (n, t) in trained { entry[n] = t }
        if mode == .lora, let scale = unet.adapters.first?.value.scale { entry["lora_scale"] = Tensor([scale], shape: [1]) }
        return (entry, last)
    }

    /// Runs `body` with the UNet a stage-2 entry describes: the base itself (no entry), a
    /// copy with trained weights, or the base with the entry's LoRA adapters.
    public static func withFineTuned<T>(_ base: UNet2DConditionModel, _ entry: StageCache.Entry,
                                        _ body: (UNet2DConditionModel) throws -> T) throws -> T {
        let weights = entry.filter { $0.key.hasPrefix("unet.") }
        if !weights.isEmpty {
            var all = ModelFolderWriter.tensors(base.parameters)
            for (k, t) in weights { all[String(k.dropFirst(5))] = t }
            return try body(try UNet2DConditionModel(config: base.config, weights: .copying(all, source: "fine-tuned UNet")))
        }
        let downs = entry.filter { $0.key.hasPrefix("lora.") && $0.key.hasSuffix(".down") }
        guard !downs.isEmpty else { return try body(base) }
        let scale = entry["lora_scale"]?.item ?? 1
        var adapters: [String: LowRankAdapter] = [:]
        for (k, down) in downs {
            let layer = String(k.dropFirst(5).dropLast(5))
            guard let up = entry["lora.\(layer).up"] else { continue }
            adapters[layer] = LowRankAdapter(down: down, up: up, scale: scale)
        }
        return try body(try base.with(adapters))
    }
}
