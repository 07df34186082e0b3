// 3×3, stride 1, padding 1 convolutions by Winograd F(2×2, 3×3) (Lavin & Gray, 2015).
//
// Each 2×2 output tile comes from a 4×4 input tile: Y = Aᵀ[(G w Gᵀ) ⊙ (Bᵀ d B)]A. Over
// all tiles this becomes 16 independent matrix products (one per position ξ of the
// 4×4 transformed tile), [K×C]·[C×P], 2.25× fewer multiplications than the direct
// convolution, all of it in sgemm. The backward passes reuse the same transforms:
// data gradients are the forward convolution with flipped, transposed weights, and
// weight gradients are the exact adjoint, dw = Gᵀ[Σ_tiles (A dY Aᵀ) ⊙ (Bᵀ d B)]G.
// `gflops` in benchmarks still counts the direct convolution's work. ConvReference's
// direct loops are what the tests compare with.
//
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
//   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]

enum Winograd {
    /// Whether Winograd computes this geometry correctly.
    static func handles(_ g: Conv2dGeometry) -> Bool {
        g.kernelH == 3 && g.kernelW == 3 && g.stride == 1 && g.padding == 1
    }

    /// Whether it is the faster path: with very few tiles, transforming the weights (16/9
    /// their size) costs more than it saves. Measured with `strata bench kernels`: at
    /// 1280 channels and 8×8 (32 tiles) Winograd and im2col are level.
    static func pays(_ g: Conv2dGeometry) -> Bool {
        let tiles = Tiles(batch: g.batch, height: g.height, width: g.width).count
        return handles(g) && g.inChannels >= 32 && g.outChannels >= 32 && tiles >= 32
    }

    /// Distance between the 16 transformed planes: a plane of `n` values plus a 256-byte
    /// skew. Unskewed plane sizes are often multiples of 4 KB, and 16 streams that far
    /// apart fall into the same L1 sets and evict each other (measured: the input
    /// transform took as long as the 16 products).
    static func planeStride(_ n: Int) -> Int { n + 64 }

    /// Storage for 16 planes of `n` values.
    static func planes(_ n: Int) -> Tensor { Tensor.empty([16 * planeStride(n)]) }

    struct Tiles {
        let batch, height, width: Int
        var rows: Int { (height + 1) / 2 }
        var cols: Int { (width + 1) / 2 }
        var count: Int { batch * rows * cols }
    }

    static func forward(_ g: Conv2dGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let tiles = Tiles(batch: g.batch, height: g.height, width: g.width)
        let u = planes(g.outChannels * g.inChannels)
        defer { withExtendedLifetime((u)) {} }  // pointers into these are used below
        transformWeights(w, k: g.outChannels, c: g.inChannels, flipTranspose: false, u.data)
        convolve(tiles, x: x, c: g.inChannels, u: u.data, k: g.outChannels, y: y)
    }

    /// dX = conv(dY, flip(Wᵀ)): the forward path with weights [C, K] flipped in space.
    static func backwardData(_ g: Conv2dGeometry, dy: UnsafePointer<Float>, w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let tiles = Tiles(batch: g.batch, height: g.height, width: g.width)
        let u = planes(g.outChannels * g.inChannels)
        defer { withExtendedLifetime((u)) {} }  // pointers into these are used below
        transformWeights(w, k: g.outChannels, c: g.inChannels, flipTranspose: true, u.data)
        convolve(tiles, x: dy, c: g.outChannels, u: u.data, k: g.inChannels, y: dx)
    }

    static func backwardWeight(_ g: Conv2dGeometry, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>) {
        let tiles = Tiles(batch: g.batch, height: g.height, width: g.width)
        let p = tiles.count, c = g.inChannels, k = g.outChannels
        let v = planes(c * p), t = planes(k * p), du = planes(k * c)
        defer { withExtendedLifetime((v, t, du)) {} }  // pointers into these are used below
        transformInput(tiles, x, channels: c, v.data)
        transformOutputGradient(tiles, dy, channels: k, t.data)
        Gemm.independent(16, flopsEach: 2 * k * c * p) { xi in
            Gemm.sgemm(transA: false, transB: true, m: k, n: c, k: p, a: t.data + xi * planeStride(k * p), lda: p,
                       b: v.data + xi * planeStride(c * p), ldb: p, c: du.data + xi * planeStride(k * c), ldc: c)
        }
        // dw[k][c] = Gᵀ dU G, 4×4 → 3×3
        let dup = du.data
        Parallel.forEach(k * c, grain: 2048) { r in
            for kc in r {
                @inline(__always) func m(_ i: Int) -> Float { dup[i * planeStride(k * c) + kc] }
                // t = Gᵀ m (3×4), rows of m combined
                var t = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
                withUnsafeMutableBytes(of: &t) { raw in
                    let tp = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                    for j in 0..<4 {
                        let m0 = m(j), m1 = m(4 + j), m2 = m(8 + j), m3 = m(12 + j)
                        tp[j] = m0 + 0.5 * (m1 + m2)
                        tp[4 + j] = 0.5 * (m1 - m2)
                        tp[8 + j] = 0.5 * (m1 + m2) + m3
                    }
                    let out = dw + kc * 9
                    for i in 0..<3 {
                        let t0 = tp[4 * i], t1 = tp[4 * i + 1], t2 = tp[4 * i + 2], t3 = tp[4 * i + 3]
                        out[3 * i] = t0 + 0.5 * (t1 + t2)
                        out[3 * i + 1] = 0.5 * (t1 - t2)
                        out[3 * i + 2] = 0.5 * (t1 + t2) + t3
                    }
                }
            }
        }
    }

    /// U[ξ][k][c] = (G w[k][c] Gᵀ)[ξ]. With `flipTranspose`, produces the weights of the
    /// data-gradient convolution: U[ξ][c][k] from w[k][c] rotated by 180°.
    static func transformWeights(_ w: UnsafePointer<Float>, k: Int, c: Int, flipTranspose: Bool, _ u: UnsafeMutablePointer<Float>) {
        Parallel.forEach(k * c, grain: 2048) { r in
            for dst in r {
                // Walk the destination in order (scattered writes cost more than scattered reads).
                let src = flipTranspose ? w + ((dst % k) * c + dst / k) * 9 : w + dst * 9
                @inline(__always) func f(_ i: Int) -> Float { flipTranspose ? src[8 - i] : src[i] }
                let plane = planeStride(k * c)
                // t = G f (4×3), then t Gᵀ (4×4), one row of t at a time
                for i in 0..<4 {
                    let t0: Float, t1: Float, t2: Float
                    switch i {
                    case 0: t0 = f(0); t1 = f(1); t2 = f(2)
                    case 1: t0 = 0.5 * (f(0) + f(3) + f(6)); t1 = 0.5 * (f(1) + f(4) + f(7)); t2 = 0.5 * (f(2) + f(5) + f(8))
                    case 2: t0 = 0.5 * (f(0) - f(3) + f(6)); t1 = 0.5 * (f(1) - f(4) + f(7)); t2 = 0.5 * (f(2) - f(5) + f(8))
                    default: t0 = f(6); t1 = f(7); t2 = f(8)
                    }
                    u[(4 * i) * plane + dst] = t0
                    u[(4 * i + 1) * plane + dst] = 0.5 * (t0 + t1 + t2)
                    u[(4 * i + 2) * plane + dst] = 0.5 * (t0 - t1 + t2)
                    u[(4 * i + 3) * plane + dst] = t2
                }
            }
        }
    }

    /// Transform input, 16 products, transform output.
    static func convolve(_ tiles: Tiles, x: UnsafePointer<Float>, c: Int, u: UnsafePointer<Float>, k: Int, y: UnsafeMutablePointer<Float>) {
        let p = tiles.count
        let v = planes(c * p), m = planes(k * p)
        defer { withExtendedLifetime((v, m)) {} }  // pointers into these are used below
        transformInput(tiles, x, channels: c, v.data)
        Gemm.independent(16, flopsEach: 2 * k * p * c) { xi in
            Gemm.sgemm(transA: false, transB: false, m: k, n: p, k: c, a: u + xi * planeStride(k * c), lda: c,
                       b: v.data + xi * planeStride(c * p), ldb: p, c: m.data + xi * planeStride(k * p), ldc: p)
        }
        transformOutput(tiles, m.data, channels: k, y)
    }

    /// V[ξ][c][tile] = (Bᵀ d B)[ξ] for the 4×4 patch d at rows 2ty−1…2ty+2, cols 2tx−1…2tx+2.
    static func transformInput(_ tiles: Tiles, _ x: UnsafePointer<Float>, channels c: Int, _ v: UnsafeMutablePointer<Float>) {
        let h = tiles.height, w = tiles.width, rows = tiles.rows, cols = tiles.cols, p = tiles.count
        let plane = planeStride(c * p)
        Parallel.forEach(c, grain: 1) { cs in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { d in
                for ch in cs {
                    for n in 0..<tiles.batch {
                        let src = x + (n * c + ch) * h * w
                        for ty in 0..<rows {
                            for tx in 0..<cols {
                                let y0 = 2 * ty - 1, x0 = 2 * tx - 1
                                if y0 >= 0 && x0 >= 0 && y0 + 4 <= h && x0 + 4 <= w {
                                    for i in 0..<4 { for j in 0..<4 { d[4 * i + j] = src[(y0 + i) * w + x0 + j] } }
                                } else {
                                    for i in 0..<4 {
                                        let yy = y0 + i
                                        for j in 0..<4 {
                                            let xx = x0 + j
                                            d[4 * i + j] = yy >= 0 && yy < h && xx >= 0 && xx < w ? src[yy * w + xx] : 0
                                        }
                                    }
                                }
                                // Bᵀ d on columns, in place, then the same on rows while storing
                                for j in 0..<4 {
                                    let d0 = d[j], d1 = d[4 + j], d2 = d[8 + j], d3 = d[12 + j]
                                    d[j] = d0 - d2; d[4 + j] = d1 + d2; d[8 + j] = d2 - d1; d[12 + j] = d1 - d3
                                }
                                let base = v + ch * p + (n * rows + ty) * cols + tx
                                for i in 0..<4 {
                                    let t0 = d[4 * i], t1 = d[4 * i + 1], t2 = d[4 * i + 2], t3 = d[4 * i + 3]
                                    base[(4 * i) * plane] = t0 - t2
                                    base[(4 * i + 1) * plane] = t1 + t2
                                    base[(4 * i + 2) * plane] = t2 - t1
                                    base[(4 * i + 3) * plane] = t1 - t3
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// y[2ty+i][2tx+j] = (Aᵀ M A)[i][j], dropping outputs past the edge.
    static func transformOutput(_ tiles: Tiles, _ m: UnsafePointer<Float>, channels k: Int, _ y: UnsafeMutablePointer<Float>) {
        let h = tiles.height, w = tiles.width, rows = tiles.rows, cols = tiles.cols, p = tiles.count
        let plane = planeStride(k * p)
        Parallel.forEach(k, grain: 1) { ks in
            for ch in ks {
                for n in 0..<tiles.batch {
                    let dst = y + (n * k + ch) * h * w
                    for ty in 0..<rows {
                        for tx in 0..<cols {
                            let tile = (n * rows + ty) * cols + tx
                            let base = m + ch * p + tile
                            // t = Aᵀ M (2×4), then t A (2×2)
                            var t = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
                            let m0 = base[0], m1 = base[plane], m2 = base[2 * plane], m3 = base[3 * plane]
                            let m4 = base[4 * plane], m5 = base[5 * plane], m6 = base[6 * plane], m7 = base[7 * plane]
                            let m8 = base[8 * plane], m9 = base[9 * plane], m10 = base[10 * plane], m11 = base[11 * plane]
                            let m12 = base[12 * plane], m13 = base[13 * plane], m14 = base[14 * plane], m15 = base[15 * plane]
                            t.0 = m0 + m4 + m8; t.1 = m1 + m5 + m9; t.2 = m2 + m6 + m10; t.3 = m3 + m7 + m11
                            t.4 = m4 - m8 - m12; t.5 = m5 - m9 - m13; t.6 = m6 - m10 - m14; t.7 = m7 - m11 - m15
                            let y00 = t.0 + t.1 + t.2, y01 = t.1 - t.2 - t.3
                            let y10 = t.4 + t.5 + t.6, y11 = t.5 - t.6 - t.7
                            let oy = 2 * ty, ox = 2 * tx
                            dst[oy * w + ox] = y00
                            if ox + 1 < w { dst[oy * w + ox + 1] = y01 }
                            if oy + 1 < h {
                                dst[(oy + 1) * w + ox] = y10
                                if ox + 1 < w { dst[(oy + 1) * w + ox + 1] = y11 }
                            }
                        }
                    }
                }
            }
        }
    }

    /// T[ξ][k][tile] = (A dY Aᵀ)[ξ] for the 2×2 gradient tile (zero past the edge).
    static func transformOutputGradient(_ tiles: Tiles, _ dy: UnsafePointer<Float>, channels k: Int, _ t: UnsafeMutablePointer<Float>) {
        let h = tiles.height, w = tiles.width, rows = tiles.rows, cols = tiles.cols, p = tiles.count
        let plane = planeStride(k * p)
        Parallel.forEach(k, grain: 1) { ks in
            for ch in ks {
                for n in 0..<tiles.batch {
                    let src = dy + (n * k + ch) * h * w
                    for ty in 0..<rows {
                        for tx in 0..<cols {
                            let oy = 2 * ty, ox = 2 * tx
                            let g00 = src[oy * w + ox]
                            let g01: Float = ox + 1 < w ? src[oy * w + ox + 1] : 0
                            let g10: Float = oy + 1 < h ? src[(oy + 1) * w + ox] : 0
                            let g11: Float = (oy + 1 < h && ox + 1 < w) ? src[(oy + 1) * w + ox + 1] : 0
                            // A = [1 0; 1 1; 1 −1; 0 −1]: rows a_i·g, then the same on columns.
                            let base = t + ch * p + (n * rows + ty) * cols + tx
                            for i in 0..<4 {
                                let a: Float, b: Float
                                switch i {
                                case 0: a = g00; b = g01
                                case 1: a = g00 + g10; b = g01 + g11
                                case 2: a = g00 - g10; b = g01 - g11
                                default: a = -g10; b = -g11
                                }
                                base[(4 * i) * plane] = a
                                base[(4 * i + 1) * plane] = a + b
                                base[(4 * i + 2) * plane] = a - b
                                base[(4 * i + 3) * plane] = -b
                            }
                        }
                    }
                }
            }
        }
    }
}
