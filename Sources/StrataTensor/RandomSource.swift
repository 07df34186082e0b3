// Seeded random numbers that are the same on every machine: xoshiro256** seeded
// through SplitMix64, integer arithmetic only up to the final conversion.
import Foundation

/// A source of random values for tensors (initial noise, dropout, weight init).
public protocol RandomSource {
    mutating func nextUInt64() -> UInt64
    /// A standard normal value.
    mutating func nextNormal() -> Float
    /// Fills `count` standard normal values, in the order and grouping this generator
    /// defines for a tensor of that many values.
    mutating func fillNormal(_ p: UnsafeMutablePointer<Float>, count: Int)
}

extension RandomSource {
    public mutating func fillNormal(_ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { p[i] = nextNormal() }
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float { Float(nextUInt64() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform integer in 0..<bound, without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt: bound must be positive")
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let r = nextUInt64()
            if r < limit { return Int(r % b) }
        }
    }
}

/// Strata's own generator.
public struct StrataRandom: RandomSource {
    private var s0, s1, s2, s3: UInt64
    private var spareNormal: Float?

    public init(seed: UInt64) {
        var z = seed
        func splitmix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    /// The generator's whole state, to save a job and resume it drawing the same values.
    public var state: [UInt64] {
        [s0, s1, s2, s3, spareNormal == nil ? 0 : 1, UInt64(spareNormal?.bitPattern ?? 0)]
    }

    /// A generator in a state `state` returned; nil for a list of another length.
    public init?(state: [UInt64]) {
        guard state.count == 6 else { return nil }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
        spareNormal = state[4] == 0 ? nil : Float(bitPattern: UInt32(truncatingIfNeeded: state[5]))
    }

    public mutating func nextUInt64() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Box-Muller in double precision; values come in pairs.
    public mutating func nextNormal() -> Float {
        if let v = spareNormal { spareNormal = nil; return v }
        let u1 = (Double(nextUInt64() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)  // (0, 1]
        let u2 = Double(nextUInt64() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        let r = (-2 * Foundation.log(u1)).squareRoot()
        spareNormal = Float(r * Foundation.sin(2 * Double.pi * u2))
        return Float(r * Foundation.cos(2 * Double.pi * u2))
    }
}

extension Tensor {
    /// Standard normal values.
    public static func randn<R: RandomSource>(_ shape: [Int], using rng: inout R) -> Tensor {
        let t = Tensor.empty(shape)
        rng.fillNormal(t.data, count: t.count)
        return t
    }

    /// Uniform values in [low, high).
    public static func uniform<R: RandomSource>(_ shape: [Int], low: Float = 0, high: Float = 1, using rng: inout R) -> Tensor {
        let t = Tensor.empty(shape)
        for i in 0..<t.count { t.data[i] = low + (high - low) * rng.nextUniform() }
        return t
    }
}
