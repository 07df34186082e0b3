// 16-lane vectors for plain sums and dot products (additions and multiplications
// vectorise well in Swift; anything needing exp lives in CStrata's vector_kernels.c).

typealias Float16x = SIMD16<Float>

extension Float16x {
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Float16x {
        UnsafeRawPointer(p).loadUnaligned(as: Float16x.self)
    }
}
