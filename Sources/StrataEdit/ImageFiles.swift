// Pictures in and out of an edit: PNGs of any size scaled and centre-cropped to the
// model's resolution, masks thresholded at grey 0.5, and 8-bit PNGs (RGB, grey, RGBA
// cut-outs) written atomically from tensors.
import Foundation
import StrataModels
import StrataTensor

public enum ImageFiles {
    /// An image [1, 3, side, side] in [0, 1] and whether it had to be scaled or cropped.
    /// Alpha is composited over white.
    public static func load(_ path: String, side: Int) throws -> (image: Tensor, resized: Bool) {
        let png = try PNGImage.read(path)
        let rgb = (0..<(png.width * png.height * 3)).map { i -> Float in
            let p = i / 3, a = Float(png.rgba[p * 4 + 3]) / 255
            return (Float(png.rgba[p * 4 + i % 3]) / 255) * a + (1 - a)
        }
        let resized = png.width != side || png.height != side
        return (resample(rgb, width: png.width, height: png.height, channels: 3, side: side), resized)
    }

    /// A mask [1, 1, side, side]: 1 where the grey level (alpha-weighted) is above 0.5.
    public static func loadMask(_ path: String, side: Int) throws -> (mask: Tensor, resized: Bool) {
        let png = try PNGImage.read(path)
        let grey = (0..<(png.width * png.height)).map { p -> Float in
            let r = Float(png.rgba[p * 4]), g = Float(png.rgba[p * 4 + 1]), b = Float(png.rgba[p * 4 + 2])
            return (0.299 * r + 0.587 * g + 0.114 * b) / 255 * Float(png.rgba[p * 4 + 3]) / 255
        }
        let m = resample(grey, width: png.width, height: png.height, channels: 1, side: side)
        for i in 0..<m.count { m.data[i] = m.data[i] > 0.5 ? 1 : 0 }
        return (m, png.width != side || png.height != side)
    }

    /// Centre crop to a square, then area-average (or nearest, when enlarging) to side×side.
    static func resample(_ pixels: [Float], width: Int, height: Int, channels: Int, side: Int) -> Tensor {
        let crop = min(width, height), x0 = (width - crop) / 2, y0 = (height - crop) / 2
        let out = Tensor(zeros: [1, channels, side, side])
        let scale = Double(crop) / Double(side)
        for y in 0..<side { for x in 0..<side {
            let sx0 = Int(Double(x) * scale), sx1 = max(sx0 + 1, Int(Double(x + 1) * scale))
            let sy0 = Int(Double(y) * scale), sy1 = max(sy0 + 1, Int(Double(y + 1) * scale))
            for c in 0..<channels {
                var sum: Float = 0
                for yy in sy0..<sy1 { for xx in sx0..<sx1 { sum += pixels[((y0 + yy) * width + x0 + xx) * channels + c] } }
                out.data[c * side * side + y * side + x] = sum / Float((sy1 - sy0) * (sx1 - sx0))
            }
        } }
        return out
    }

    static func bytes(_ t: Tensor, channel c: Int) -> [UInt8] {
        let plane = t.shape[2] * t.shape[3]
        return (0..<plane).map { UInt8(max(0, min(255, (t.data[c * plane + $0] * 255).rounded()))) }
    }

    /// 8-bit RGB bytes of an image [1, 3, H, W] in [0, 1].
    public static func rgb(_ image: Tensor) -> [UInt8] { PNGImage.rgbBytes(image) }

    /// 8-bit RGBA bytes: the image where the mask is, transparent elsewhere.
    public static func cutout(_ image: Tensor, mask: Tensor) -> [UInt8] {
        let rgb = rgb(image), a = bytes(mask, channel: 0)
        var out = [UInt8](repeating: 0, count: a.count * 4)
        for i in 0..<a.count {
            out[i * 4] = rgb[i * 3]; out[i * 4 + 1] = rgb[i * 3 + 1]; out[i * 4 + 2] = rgb[i * 3 + 2]; out[i * 4 + 3] = a[i]
        }
        return out
    }

    public static func writeRGB(_ image: Tensor, to path: String, text: [(key: String, value: String)] = []) throws {
        try PNGImage.write(path, width: image.shape[3], height: image.shape[2], channels: 3, pixels: rgb(image), text: text)
    }

    public static func writeMask(_ mask: Tensor, to path: String) throws {
        try PNGImage.write(path, width: mask.shape[3], height: mask.shape[2], channels: 1, pixels: bytes(mask, channel: 0))
    }

    /// PNG bytes in memory (for archives), through a temporary file.
    static func pngBytes(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws -> [UInt8] {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("strata-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).png").path
        defer { unlink(tmp) }
        try PNGImage.write(tmp, width: width, height: height, channels: channels, pixels: pixels)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: tmp)))
    }
}
