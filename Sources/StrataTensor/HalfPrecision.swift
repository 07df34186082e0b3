// fp16 and bf16 as storage formats: conversion to and from fp32 with round-to-nearest-even.

public enum HalfPrecision {
    /// IEEE half bits from fp32 (Swift's Float16 conversion rounds to nearest even).
    @inline(__always) public static func fp16Bits(_ x: Float) -> UInt16 { Float16(x).bitPattern }
    @inline(__always) public static func fromFP16Bits(_ b: UInt16) -> Float { Float(Float16(bitPattern: b)) }

    /// bfloat16 bits: the top 16 bits of fp32, rounded to nearest even; NaN stays NaN.
    @inline(__always) public static func bf16Bits(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        if x.isNaN { return UInt16(bits >> 16) | 0x40 }
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
    @inline(__always) public static func fromBF16Bits(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    public static func toFP16(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt16>, _ n: Int) {
        for i in 0..<n { out[i] = fp16Bits(x[i]) }
    }
    public static func fromFP16(_ x: UnsafePointer<UInt16>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] = fromFP16Bits(x[i]) }
    }
    public static func toBF16(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt16>, _ n: Int) {
        for i in 0..<n { out[i] = bf16Bits(x[i]) }
    }
    public static func fromBF16(_ x: UnsafePointer<UInt16>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] = fromBF16Bits(x[i]) }
    }
}
