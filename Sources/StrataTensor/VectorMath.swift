// Vectorised exp, tanh and erf on 16 lanes (one AVX-512 register): glibc's scalar
// expf is what made SiLU, GELU and softmax slower than PyTorch's vectorised loops.
// Accuracy against Foundation is checked in VectorMathTests (≤ 2 ulp-ish, 3e-7 rel).
import Foundation

public typealias Float16x = SIMD16<Float>

@inline(__always) func splat(_ v: Float) -> Float16x { Float16x(repeating: v) }

/// |x| by clearing the sign bits.
@inline(__always) func vabs(_ x: Float16x) -> Float16x {
    let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self) & SIMD16<UInt32>(repeating: 0x7FFF_FFFF)
    return unsafeBitCast(bits, to: Float16x.self)
}

enum VectorMath {
    /// e^x: Cody-Waite range reduction to x = n ln2 + r, then Cephes' degree-6 polynomial on r.
    @inline(__always)
    static func exp(_ x: Float16x) -> Float16x {
        let xc: Float16x = x.clamped(lowerBound: splat(-87.3), upperBound: splat(88.7))
        let n: Float16x = (xc * splat(1.44269504088896341)).rounded(.toNearestOrEven)
        var r: Float16x = xc - n * splat(0.693359375)
        r = r + n * splat(2.12194440e-4)
        var p: Float16x = splat(1.9875691500e-4)
        p = p * r + splat(1.3981999507e-3)
        p = p * r + splat(8.3334519073e-3)
        p = p * r + splat(4.1665795894e-2)
        p = p * r + splat(1.6666665459e-1)
        p = p * r + splat(5.0000001201e-1)
        let r2: Float16x = r * r
        p = p * r2 + r + splat(1)
        let ni = SIMD16<Int32>(truncatingIfNeeded: SIMD16<Int32>(n))
        let bits: SIMD16<Int32> = (ni &+ SIMD16<Int32>(repeating: 127)) &<< SIMD16<Int32>(repeating: 23)
        let scale = unsafeBitCast(bits, to: Float16x.self)
        return p * scale
    }

    @inline(__always)
    static func sigmoid(_ x: Float16x) -> Float16x {
        let e: Float16x = exp(-x)
        return splat(1) / (splat(1) + e)
    }

    /// tanh(x) = 1 − 2/(e^{2x}+1); near 0 a series keeps relative accuracy.
    @inline(__always)
    static func tanh(_ x: Float16x) -> Float16x {
        let e: Float16x = exp(x + x)
        let big: Float16x = splat(1) - splat(2) / (e + splat(1))
        let x2: Float16x = x * x
        var q: Float16x = x2 * splat(-17.0 / 315) + splat(2.0 / 15)
        q = q * x2 + splat(-1.0 / 3)
        q = q * x2 + splat(1)
        let small: Float16x = x * q
        let nearZero = vabs(x) .< splat(0.125)
        return big.replacing(with: small, where: nearZero)
    }

    /// erf via Numerical Recipes' erfcc, a Chebyshev fit in exp form (fractional error
    /// below 1.2e-7 everywhere).
    @inline(__always)
    static func erf(_ x: Float16x) -> Float16x {
        let z: Float16x = vabs(x)
        let t: Float16x = splat(1) / (splat(1) + splat(0.5) * z)
        var p: Float16x = splat(0.17087277)
        p = p * t + splat(-0.82215223)
        p = p * t + splat(1.48851587)
        p = p * t + splat(-1.13520398)
        p = p * t + splat(0.27886807)
        p = p * t + splat(-0.18628806)
        p = p * t + splat(0.09678418)
        p = p * t + splat(0.37409196)
        p = p * t + splat(1.00002368)
        p = p * t + splat(-1.26551223)
        let arg: Float16x = p - z * z
        let erfc: Float16x = t * exp(arg)
        let r: Float16x = splat(1) - erfc
        return r.replacing(with: -r, where: x .< splat(0))
    }
}

extension Float16x {
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Float16x {
        UnsafeRawPointer(p).loadUnaligned(as: Float16x.self)
    }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Float16x.self)
    }
}

/// Applies a 16-lane function over n values, with a masked tail.
@inline(__always)
func mapVectorised(_ n: Int, _ body: (Int, Int) -> Void) {
    var i = 0
    while i + 16 <= n { body(i, 16); i += 16 }
    if i < n { body(i, n - i) }
}

/// Loads up to 16 values, padding with `pad`.
@inline(__always)
func loadPartial(_ p: UnsafePointer<Float>, _ len: Int, pad: Float = 0) -> Float16x {
    if len == 16 { return .load(p) }
    var v = Float16x(repeating: pad)
    for j in 0..<len { v[j] = p[j] }
    return v
}

@inline(__always)
func storePartial(_ v: Float16x, _ p: UnsafeMutablePointer<Float>, _ len: Int) {
    if len == 16 { v.store(p); return }
    for j in 0..<len { p[j] = v[j] }
}
