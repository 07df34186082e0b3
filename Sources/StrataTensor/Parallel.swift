// Splits a loop across Engine.threads threads (WorkerPool).

enum Parallel {
    /// Calls `body` on disjoint sub-ranges covering 0..<count. Small loops run inline.
    /// `grain` is the least amount of items worth a thread of its own.
    static func forEach(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        let threads = Engine.threads
        if threads <= 1 || count < 2 * grain || count < 2 {
            if count > 0 { body(0..<count) }
            return
        }
        // Several chunks per thread, taken first come first served: a thread that starts
        // late (asleep, or its core busy) still gets a share instead of leaving it all to
        // the caller, which measured as single-thread time for half-millisecond kernels.
        let chunks = min(threads * 4, count / grain)
        WorkerPool.shared.run(chunks: chunks, threads: threads) { c in
            let lo = count * c / chunks, hi = count * (c + 1) / chunks
            if lo < hi { body(lo..<hi) }
        }
    }
}
