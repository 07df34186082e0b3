// Direct convolution loops in double precision: the reference the fast paths
// (im2col + sgemm, Winograd) are tested against.

public enum ConvReference {
    public static func forward(_ g: Conv2dGeometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        for n in 0..<g.batch { for co in 0..<g.outChannels { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
            var s = 0.0
            for ci in 0..<g.inChannels { for ky in 0..<g.kernelH { for kx in 0..<g.kernelW {
                let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                if iy < 0 || iy >= g.height || ix < 0 || ix >= g.width { continue }
                s += Double(x[((n * g.inChannels + ci) * g.height + iy) * g.width + ix])
                    * Double(w[((co * g.inChannels + ci) * g.kernelH + ky) * g.kernelW + kx])
            } } }
            y[((n * g.outChannels + co) * g.outHeight + oy) * g.outWidth + ox] = Float(s)
        } } } }
    }

    public static func backwardData(_ g: Conv2dGeometry, dy: UnsafePointer<Float>, w: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        var acc = [Double](repeating: 0, count: g.batch * g.inChannels * g.height * g.width)
        for n in 0..<g.batch { for co in 0..<g.outChannels { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
            let d = Double(dy[((n * g.outChannels + co) * g.outHeight + oy) * g.outWidth + ox])
            for ci in 0..<g.inChannels { for ky in 0..<g.kernelH { for kx in 0..<g.kernelW {
                let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                if iy < 0 || iy >= g.height || ix < 0 || ix >= g.width { continue }
                acc[((n * g.inChannels + ci) * g.height + iy) * g.width + ix] += d * Double(w[((co * g.inChannels + ci) * g.kernelH + ky) * g.kernelW + kx])
            } } }
        } } } }
        for i in acc.indices { dx[i] = Float(acc[i]) }
    }

    public static func backwardWeight(_ g: Conv2dGeometry, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>) {
        for co in 0..<g.outChannels { for ci in 0..<g.inChannels { for ky in 0..<g.kernelH { for kx in 0..<g.kernelW {
            var s = 0.0
            for n in 0..<g.batch { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth {
                let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                if iy < 0 || iy >= g.height || ix < 0 || ix >= g.width { continue }
                s += Double(dy[((n * g.outChannels + co) * g.outHeight + oy) * g.outWidth + ox])
                    * Double(x[((n * g.inChannels + ci) * g.height + iy) * g.width + ix])
            } } }
            dw[((co * g.inChannels + ci) * g.kernelH + ky) * g.kernelW + kx] = Float(s)
        } } } }
    }
}
