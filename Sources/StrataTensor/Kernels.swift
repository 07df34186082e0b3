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
