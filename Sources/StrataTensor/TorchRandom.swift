// PyTorch's CPU generator, so a seed gives the same initial noise (and so the same
// image) as diffusers with `torch.Generator("cpu").manual_seed(seed)`.
//
// `torch.manual_seed(s)` seeds an MT19937 with the low 32 bits of s. `torch.randn` on a
// float tensor of at least 16 values fills it with uniform floats (24 random bits of
// each 32-bit draw), then turns each block of 16 into normals by Box-Muller, pairing
// value j with value j+8; a tail shorter than 16 is redone as the last 16 values with
// fresh uniforms. Under 16 values it draws doubles (53 bits of a 64-bit draw, made from
// two 32-bit draws) and caches the second value of each pair. As in ATen's
// `normal_fill`, `normal_distribution` and stable-diffusion.cpp's rng_mt19937.hpp.
import Foundation

public struct TorchRandom: RandomSource {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624
    private var cachedNormal: Double?

    public init(seed: UInt64) {
        state[0] = UInt32(truncatingIfNeeded: seed)
        for j in 1..<624 {
            let prev = state[j - 1]
            state[j] = 1_812_433_253 &* (prev ^ (prev >> 30)) &+ UInt32(j)
        }
        index = 624
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            var v = state[(i + 397) % 624] ^ (y >> 1)
            if y & 1 != 0 { v ^= 0x9908_B0DF }
            state[i] = v
        }
        index = 0
    }

    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// ATen's random64(): two 32-bit draws, the first as the high half.
    public mutating func nextUInt64() -> UInt64 {
        let hi = UInt64(nextUInt32()), lo = UInt64(nextUInt32())
        return (hi << 32) | lo
    }

    private mutating func uniformFloat() -> Float {
        Float(nextUInt32() & ((1 << 24) - 1)) * (1.0 / 16_777_216.0)
    }

    private mutating func uniformDouble() -> Double {
        Double(nextUInt64() & ((1 << 53) - 1)) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// One value as ATen's scalar normal_distribution<double> gives it.
    public mutating func nextNormal() -> Float {
        if let c = cachedNormal { cachedNormal = nil; return Float(c) }
        let u1 = uniformDouble(), u2 = uniformDouble()
        let r = (-2 * Foundation.log(1 - u2)).squareRoot()
        let theta = 2 * Double.pi * u1
        cachedNormal = r * Foundation.sin(theta)
        return Float(r * Foundation.cos(theta))
    }

    public mutating func fillNormal(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        if n < 16 {
            for i in 0..<n { p[i] = nextNormal() }
            return
        }
        for i in 0..<n { p[i] = uniformFloat() }
        var i = 0
        while i + 16 <= n { Self.boxMuller16(p + i); i += 16 }
        if n % 16 != 0 {
            let tail = p + (n - 16)
            for j in 0..<16 { tail[j] = uniformFloat() }
            Self.boxMuller16(tail)
        }
    }

    /// ATen's normal_fill_16 in float arithmetic.
    private static func boxMuller16(_ d: UnsafeMutablePointer<Float>) {
        for j in 0..<8 {
            let u1 = 1 - d[j], u2 = d[j + 8]
            let radius = (-2 * Foundation.log(u1)).squareRoot()
            let theta = 2 * Float.pi * u2
            d[j] = radius * Foundation.cos(theta)
            d[j + 8] = radius * Foundation.sin(theta)
        }
    }
}
