// Process-wide engine settings: thread count and CPU features.
import CStrata
import Foundation

public enum Engine {
    nonisolated(unsafe) private static var threadCount: Int = {
        let n = defaultThreads()
        openblas_set_num_threads(Int32(n))
        return n
    }()

    /// Threads used by OpenBLAS and by Strata's own parallel loops.
    public static var threads: Int {
        get { threadCount }
        set {
            threadCount = max(1, newValue)
            openblas_set_num_threads(Int32(threadCount))
        }
    }

    /// `STRATA_THREADS` if set, else the number of cores.
    static func defaultThreads() -> Int {
        if let s = ProcessInfo.processInfo.environment["STRATA_THREADS"], let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Makes sure OpenBLAS has been told the thread count before the first product.
    @inline(__always) static func ensureConfigured() { _ = threadCount }

    /// Runs `body` with OpenBLAS single-threaded, for code that parallelises around it.
    static func withSingleThreadedBLAS<T>(_ body: () throws -> T) rethrows -> T {
        ensureConfigured()
        if threadCount == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(threadCount)) }
        return try body()
    }

    public static let hasAVX512 = cstrata_has_avx512f() != 0
    public static let hasAVX512BF16 = cstrata_has_avx512bf16() != 0
}
