// 2-D convolution, NCHW, weights [Cout, Cin, kh, kw]. 1×1 convolutions are one sgemm;
// 3×3 stride-1 padding-1 ones (most of a UNet) use Winograd F(2×2, 3×3); others go
// through im2col + sgemm. ConvReference holds the direct loops they are
// tested against.

public struct Conv2dGeometry: Equatable {
    public let batch, inChannels, height, width: Int
    public let outChannels, kernelH, kernelW: Int
    public let stride, padding: Int
    public var outHeight: Int { (height + 2 * padding - kernelH) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernelW) / stride + 1 }
    var isPointwise: Bool { kernelH == 1 && kernelW == 1 && stride == 1 && padding == 0 }
    var colRows: Int { inChannels * kernelH * kernelW }
    var outPlane: Int { outHeight * outWidth }

    public init(input: [Int], weight: [Int], stride: Int, padding: Int) {
        precondition(input.count == 4 && weight.count == 4,
                     "conv2d: input \(input) must be [N, C, H, W] and weight \(weight) [Cout, Cin, kh, kw]")
        precondition(input[1] == weight[1], "conv2d: input \(input) has \(input[1]) channels, weight \(weight) expects \(weight[1])")
        precondition(stride >= 1 && padding >= 0, "conv2d: stride \(stride) and padding \(padding) are invalid")
        batch = input[0]; inChannels = input[1]; height = input[2]; width = input[3]
        outChannels = weight[0]; kernelH = weight[2]; kernelW = weight[3]
        self.stride = stride; self.padding = padding
        precondition(outHeight > 0 && outWidth > 0, "conv2d: kernel \(weight) larger than padded input \(input)")
    }
}

extension Tensor {
    public func conv2d(_ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
        let geo = Conv2dGeometry(input: shape, weight: weight.shape, stride: stride, padding: padding)
        if let bias { precondition(bias.shape == [geo.outChannels], "conv2d: bias \(bias.shape) does not match weight \(weight.shape)") }
        let out = Tensor.empty([geo.batch, geo.outChannels, geo.outHeight, geo.outWidth])
        ConvKernels.forward(geo, x: data, w: weight.data, bias: bias?.data, y: out.data)
        let xd = detached(), wd = weight.detached()
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tensor.record("conv2d", out, inputs: inputs) { g in
            var grads: [Tensor?] = [nil, nil]
            if inputs[0].requiresGrad {
                let dx = Tensor.empty(xd.shape)
                ConvKernels.backwardData(geo, dy: g.data, w: wd.data, dx: dx.data)
                grads[0] = dx
            }
            if inputs[1].requiresGrad {
                let dw = Tensor.empty(wd.shape)
                ConvKernels.backwardWeight(geo, x: xd.data, dy: g.data, dw: dw.data)
                grads[1] = dw
            }
            if inputs.count == 3 {
                grads.append(inputs[2].requiresGrad ? GradMode.disabled { g.sum(axes: [0, 2, 3]) } : nil)
            }
            return grads
        }
    }
}

package enum ConvKernels {
    /// Images whose output planes are small go through one product for the whole batch
    /// (columns of all images side by side), so sgemm sees a wide matrix.
    static func batchesColumns(_ g: Conv2dGeometry) -> Bool { g.batch > 1 && g.outPlane < 1024 }

    static func forward(_ g: Conv2dGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                        bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>) {
        let inPlane = g.inChannels * g.height * g.width, outSize = g.outChannels * g.outPlane
        if g.isPointwise {
            Gemm.independent(g.batch, flopsEach: 2 * g.outChannels * g.outPlane * g.inChannels) { n in
                Gemm.sgemm(transA: false, transB: false, m: g.outChannels, n: g.outPlane, k: g.inChannels,
                           a: w, lda: g.inChannels, b: x + n * inPlane, ldb: g.outPlane, c: y + n * outSize, ldc: g.outPlane)
            }
        } else if Winograd.pays(g) {
            Winograd.forward(g, x: x, w: w, y: y)
        } else if batchesColumns(g) {
            let wide = g.batch * g.outPlane
            let col = Tensor.empty([g.colRows, wide]), out = Tensor.empty([g.outChannels, wide])
            defer { withExtendedLifetime((col, out)) {} }  // pointers into these are used below
            for n in 0..<g.batch { im2col(g, x + n * inPlane, col.data + n * g.outPlane, ld: wide) }
            Gemm.sgemm(transA: false, transB: false, m: g.outChannels, n: wide, k: g.colRows,
                       a: w, lda: g.colRows, b: col.data, ldb: wide, c: out.data, ldc: wide)
            Kernels.permute(out.data, shape: [g.outChannels, g.batch, g.outPlane], order: [1, 0, 2], y)
        } else {
            let col = Tensor.empty([g.colRows, g.outPlane])
            defer { withExtendedLifetime((col)) {} }  // pointers into these are used below
            for n in 0..<g.batch {
                im2col(g, x + n * inPlane, col.data, ld: g.outPlane)
                Gemm.sgemm(transA: false, transB: false, m: g.outChannels, n: g.outPlane, k: g.colRows,
                           a: w, lda: g.colRows, b: col.data, ldb: g.outPlane, c: y + n * outSize, ldc: g.outPlane)
            }
        }
        if let bias {
            let plane = g.outPlane
            Parallel.forEach(g.batch * g.outChannels, grain: max(1, 16384 / plane)) { r in
                for i in r {
                    let b = bias[i % g.outChannels], row = y + i * plane
                    for j in 0..<plane { row[j] += b }
                }
            }
        }
    }

    package static func backwardData(_ g: Conv2dGeometry, dy: UnsafePointer<Float>, w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let inPlane = g.inChannels * g.height * g.width, outSize = g.outChannels * g.outPlane
        if g.isPointwise {
            Gemm.independent(g.batch, flopsEach: 2 * g.outChannels * g.outPlane * g.inChannels) { n in
                Gemm.sgemm(transA: true, transB: false, m: g.inChannels, n: g.outPlane, k: g.outChannels,
                           a: w, lda: g.inChannels, b: dy + n * outSize, ldb: g.outPlane, c: dx + n * inPlane, ldc: g.outPlane)
            }
        } else if Winograd.pays(g) {
            Winograd.backwardData(g, dy: dy, w: w, dx: dx)
        } else if batchesColumns(g) {
            let wide = g.batch * g.outPlane
            let dyWide = Tensor.empty([g.outChannels, wide]), col = Tensor.empty([g.colRows, wide])
            defer { withExtendedLifetime((dyWide, col)) {} }  // pointers into these are used below
            Kernels.permute(dy, shape: [g.batch, g.outChannels, g.outPlane], order: [1, 0, 2], dyWide.data)
            Gemm.sgemm(transA: true, transB: false, m: g.colRows, n: wide, k: g.outChannels,
                       a: w, lda: g.colRows, b: dyWide.data, ldb: wide, c: col.data, ldc: wide)
            for n in 0..<g.batch { col2im(g, col.data + n * g.outPlane, ld: wide, dx + n * inPlane) }
        } else {
            let col = Tensor.empty([g.colRows, g.outPlane])
            defer { withExtendedLifetime((col)) {} }  // pointers into these are used below
            for n in 0..<g.batch {
                Gemm.sgemm(transA: true, transB: false, m: g.colRows, n: g.outPlane, k: g.outChannels,
                           a: w, lda: g.colRows, b: dy + n * outSize, ldb: g.outPlane, c: col.data, ldc: g.outPlane)
                col2im(g, col.data, ld: g.outPlane, dx + n * inPlane)
            }
        }
    }

    package static func backwardWeight(_ g: Conv2dGeometry, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>) {
        let inPlane = g.inChannels * g.height * g.width, outSize = g.outChannels * g.outPlane
        if g.isPointwise {
            for n in 0..<g.batch {
                Gemm.sgemm(transA: false, transB: true, m: g.outChannels, n: g.inChannels, k: g.outPlane,
                           a: dy + n * outSize, lda: g.outPlane, b: x + n * inPlane, ldb: g.outPlane,
                           beta: n == 0 ? 0 : 1, c: dw, ldc: g.inChannels)
            }
        } else if Winograd.pays(g) {
            Winograd.backwardWeight(g, x: x, dy: dy, dw: dw)
        } else if batchesColumns(g) {
            let wide = g.batch * g.outPlane
            let dyWide = Tensor.empty([g.outChannels, wide]), col = Tensor.empty([g.colRows, wide])
            defer { withExtendedLifetime((dyWide, col)) {} }  // pointers into these are used below
            Kernels.permute(dy, shape: [g.batch, g.outChannels, g.outPlane], order: [1, 0, 2], dyWide.data)
            for n in 0..<g.batch { im2col(g, x + n * inPlane, col.data + n * g.outPlane, ld: wide) }
            Gemm.sgemm(transA: false, transB: true, m: g.outChannels, n: g.colRows, k: wide,
                       a: dyWide.data, lda: wide, b: col.data, ldb: wide, c: dw, ldc: g.colRows)
        } else {
            let col = Tensor.empty([g.colRows, g.outPlane])
            defer { withExtendedLifetime((col)) {} }  // pointers into these are used below
            for n in 0..<g.batch {
                im2col(g, x + n * inPlane, col.data, ld: g.outPlane)
                Gemm.sgemm(transA: false, transB: true, m: g.outChannels, n: g.colRows, k: g.outPlane,
                           a: dy + n * outSize, lda: g.outPlane, b: col.data, ldb: g.outPlane,
                           beta: n == 0 ? 0 : 1, c: dw, ldc: g.colRows)
            }
        }
    }

    /// col[(c, ky, kx), (oy, ox)] = x[c, oy·s − p + ky, ox·s − p + kx] (0 outside).
    /// Rows of `col` are `ld` apart, so several images can sit side by side.
    static func im2col(_ g: Conv2dGeometry, _ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, ld: Int) {
        let oh = g.outHeight, ow = g.outWidth, kh = g.kernelH, kw = g.kernelW, s = g.stride, p = g.padding
        let h = g.height, w = g.width
        Parallel.forEach(g.inChannels, grain: 4) { cs in
            for c in cs {
                let xc = x + c * h * w
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let row = col + ((c * kh + ky) * kw + kx) * ld
                        for oy in 0..<oh {
                            let iy = oy * s - p + ky
                            let dst = row + oy * ow
                            if iy < 0 || iy >= h { dst.update(repeating: 0, count: ow); continue }
                            let src = xc + iy * w
                            if s == 1 {
                                // valid ox: 0 <= ox - p + kx < w
                                let lo = max(0, p - kx), hi = min(ow, w + p - kx)
                                if lo > 0 { dst.update(repeating: 0, count: lo) }
                                if hi > lo { (dst + lo).update(from: src + lo - p + kx, count: hi - lo) }
                                if hi < ow { (dst + max(hi, 0)).update(repeating: 0, count: ow - max(hi, 0)) }
                            } else {
                                for ox in 0..<ow {
                                    let ix = ox * s - p + kx
                                    dst[ox] = (ix >= 0 && ix < w) ? src[ix] : 0
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: scatters col back into x, summing overlaps.
    static func col2im(_ g: Conv2dGeometry, _ col: UnsafePointer<Float>, ld: Int, _ x: UnsafeMutablePointer<Float>) {
        let oh = g.outHeight, ow = g.outWidth, kh = g.kernelH, kw = g.kernelW, s = g.stride, p = g.padding
        let h = g.height, w = g.width
        Parallel.forEach(g.inChannels, grain: 4) { cs in
            for c in cs {
                let xc = x + c * h * w
                xc.update(repeating: 0, count: h * w)
                for ky in 0..<kh {
                    for kx in 0..<kw {
                        let row = col + ((c * kh + ky) * kw + kx) * ld
                        for oy in 0..<oh {
                            let iy = oy * s - p + ky
                            if iy < 0 || iy >= h { continue }
                            let dstRow = xc + iy * w, src = row + oy * ow
                            if s == 1 {
                                let lo = max(0, p - kx), hi = min(ow, w + p - kx)
                                if hi > lo {
                                    let d = dstRow + lo - p + kx, sp = src + lo
                                    for j in 0..<(hi - lo) { d[j] += sp[j] }
                                }
                            } else {
                                for ox in 0..<ow {
                                    let ix = ox * s - p + kx
                                    if ix >= 0 && ix < w { dstRow[ix] += src[ox] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
