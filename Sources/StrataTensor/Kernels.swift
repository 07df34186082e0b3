// Small dense loops shared by many operations. The compiler vectorises these plain
// loops; each is simple enough to be its own reference.

enum Kernels {
    @inline(__always)
    static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        Parallel.forEach(n, grain: 1 << 16) { r in
            for i in r { out[i] = a[i] + b[i] }
        }
    }

    static func sum(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        // Pairwise over 16 lanes keeps the rounding error of long sums small.
        var acc = Float16x()
        var i = 0
        while i + 16 <= n { acc += Float16x.load(a + i); i += 16 }
        var s = acc.sum()
        while i < n { s += a[i]; i += 1 }
        return s
    }

    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Float16x()
        var i = 0
        while i + 16 <= n { acc += Float16x.load(a + i) * Float16x.load(b + i); i += 16 }
        var s = acc.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }
}

/// max|a − b| / max|b|: the relative error in the infinity norm by which results are
/// compared with their references (fixtures, naive kernels).
public func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.count == b.count, "relativeError: \(a.count) values against \(b.count)")
    var num: Float = 0, den: Float = 0
    for i in 0..<a.count {
        num = max(num, abs(a.data[i] - b.data[i]))
        den = max(den, abs(b.data[i]))
    }
    return den == 0 ? num : num / den
}
