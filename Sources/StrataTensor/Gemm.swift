// Matrix products: OpenBLAS's sgemm split across Strata's threads, and the naive
// triple loop it is tested against.
import CStrata

public enum Gemm {
    /// C = alpha · op(A) · op(B) + beta · C, row-major. op(A) is M×K, op(B) is K×N.
    @inline(__always)
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { zero(c, m, n, ldc) }
            else { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
            return
        }
        Engine.ensureConfigured()
        let threads = Engine.threads
        // Split the larger of M and N across threads when each part is worth it (≥ 0.25
        // MFLOP: at 4 the built-in model's small products ran on one thread while the other
        // waited; `strata bench edit` 48.9 s → 42.3 s on an AVX2 CPU).
        let parts = splits(flops: 2 * m * n * k) ? min(threads, max(m, n) / 16) : 1
        if parts <= 1 {
            raw(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let splitRows = m >= n
        Parallel.forEach(parts, grain: 1) { r in
            for part in r {
                let total = splitRows ? m : n
                // Boundaries on multiples of 16 keep the kernels on full vector tiles.
                let lo = (total * part / parts) & ~15, hi = part == parts - 1 ? total : (total * (part + 1) / parts) & ~15
                if hi <= lo { continue }
                if splitRows {
                    raw(transA, transB, hi - lo, n, k, alpha, transA ? a + lo : a + lo * lda, lda, b, ldb, beta, c + lo * ldc, ldc)
                } else {
                    raw(transA, transB, m, hi - lo, k, alpha, a, lda, transB ? b + lo * ldb : b + lo, ldb, beta, c + lo, ldc)
                }
            }
        }
    }

    /// Whether a product of `flops` is split across the threads (at least 0.25 MFLOP a part).
    static func splits(flops: Int) -> Bool {
        let threads = Engine.threads
        return threads > 1 && flops >= threads * 250_000
    }

    /// Runs `count` independent products (`product(i)` calls sgemm), each of `flopsEach`.
    /// When each is too small to be split, the products themselves are spread across the
    /// threads, each on one: Winograd's 16 products at the built-in model's sizes ran one
    /// after another on one thread while the other waited.
    static func independent(_ count: Int, flopsEach: Int, _ product: (Int) -> Void) {
        if count > 1 && Engine.threads > 1 && !splits(flops: flopsEach) {
            Parallel.forEach(count, grain: 1) { r in for i in r { product(i) } }
        } else {
            for i in 0..<count { product(i) }
        }
    }

    /// One single-threaded OpenBLAS call. With beta 0, C is zeroed here and the product
    /// added to it: OpenBLAS's own zeroing (its beta kernel) stores one value at a time
    /// and was 5.6% of a training step on the built-in model, whose products are small.
    @inline(__always)
    package static func raw(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                    _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                    _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        var beta = beta
        if beta == 0 {
            zero(c, m, n, ldc)
            beta = 1
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Zeroes m rows of n values, ldc apart.
    static func zero(_ c: UnsafeMutablePointer<Float>, _ m: Int, _ n: Int, _ ldc: Int) {
        if ldc == n { c.update(repeating: 0, count: m * n) } else { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
    }

    /// The reference: the same contract, three plain loops in double precision.
    public static func naive(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(av) * Double(bv)
                }
                let prior = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * s + prior)
            }
        }
    }
}
