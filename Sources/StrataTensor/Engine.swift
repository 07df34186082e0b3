// Process-wide engine settings: thread count and CPU features.
//
// OpenBLAS itself always runs single-threaded; Strata splits large products across
// its own WorkerPool (Gemm.sgemm). OpenBLAS's own threads spin for a long time after
// each product and took the second core from Strata's element-wise loops that followed
// (measured: a SiLU right after a 2-thread sgemm ran slower on 2 threads than on 1).
// With one set of threads, nothing competes.
import CStrata
import Foundation

public enum Engine {
    nonisolated(unsafe) private static var threadCount: Int = {
        openblas_set_num_threads(1)
        return defaultThreads()
    }()

    /// Threads for Strata's parallel loops and matrix products.
    public static var threads: Int {
        get { threadCount }
        set { threadCount = max(1, newValue) }
    }

    /// `STRATA_THREADS` if set, else the number of cores.
    static func defaultThreads() -> Int {
        if let s = ProcessInfo.processInfo.environment["STRATA_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Makes sure OpenBLAS has been set to one thread before the first product.
    @inline(__always) static func ensureConfigured() { _ = threadCount }

    /// Runs `body` with OpenBLAS's own threading at `threads` (for measuring raw sgemm).
    public static func withOpenBLASThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        ensureConfigured()
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return try body()
    }

    public static let hasAVX512 = cstrata_has_avx512f() != 0
    public static let hasAVX512BF16 = cstrata_has_avx512bf16() != 0
    /// AVX2 with FMA: the vector kernels' path on CPUs without AVX-512.
    public static let hasAVX2FMA = cstrata_has_avx2_fma() != 0
}
