// Gradient checkpointing: run a block without keeping its intermediates, and run it
// again during backward to get them back. Trades one extra forward for the memory of
// every activation inside the block.

extension Tensor {
    /// Runs `block` on `inputs` without recording its inside; the result's backward
    /// recomputes the block with recording on. Parameters the block closes over receive
    /// their gradients during that recomputation. The block must be deterministic
    /// (no dropout drawn afresh on the second run).
    public static func checkpoint(_ inputs: [Tensor], _ block: @escaping ([Tensor]) -> Tensor) -> Tensor {
        guard GradMode.isEnabled else { return block(inputs) }
        let output = GradMode.disabled { block(inputs.map { $0.detached() }) }
        let detachedOut = output.detached()
        // Recorded even when no input needs a gradient: parameters inside the block may.
        let anchor = Tensor(zeros: [])
        anchor.requiresGrad = true
        let recorded = record("checkpoint", detachedOut, inputs: inputs + [anchor]) { g in
            let replay = inputs.map { x -> Tensor in
                let d = x.detached()
                d.requiresGrad = x.requiresGrad
                return d
            }
            let recomputed = GradMode.recording { block(replay) }
            if recomputed.requiresGrad { recomputed.backward(g) }
            return replay.map { $0.requiresGrad ? $0.grad : nil } + [nil]
        }
        return recorded
    }
}
