// OpenRaster (.ora) files: a zip holding `mimetype` (first, stored), `stack.xml`, one
// PNG per layer under data/, `mergedimage.png` and `Thumbnails/thumbnail.png`, as
// Krita and other painting programs read them.
import Foundation

public struct OpenRasterLayer {
    public var name: String
    /// 8-bit RGBA, row by row.
    public var rgba: [UInt8]
    public var visible = true
    public init(name: String, rgba: [UInt8], visible: Bool = true) { self.name = name; self.rgba = rgba; self.visible = visible }
}

public enum OpenRaster {
    /// Writes `layers` (top first) and the composite `merged` (RGB) atomically.
    public static func write(to path: String, width: Int, height: Int, layers: [OpenRasterLayer], merged: [UInt8]) throws {
        var zip = ZipWriter()
        zip.add("mimetype", Array("image/openraster".utf8))
        var stack = "<?xml version='1.0' encoding='UTF-8'?>\n<image version=\"0.0.3\" w=\"\(width)\" h=\"\(height)\">\n<stack>\n"
        for (i, layer) in layers.enumerated() {
            let src = "data/layer\(i).png"
            stack += "<layer name=\"\(escape(layer.name))\" src=\"\(src)\" x=\"0\" y=\"0\" opacity=\"1.0\" visibility=\"\(layer.visible ? "visible" : "hidden")\" composite-op=\"svg:src-over\"/>\n"
            zip.add(src, try ImageFiles.pngBytes(width: width, height: height, channels: 4, pixels: layer.rgba))
        }
        stack += "</stack>\n</image>\n"
        zip.add("stack.xml", Array(stack.utf8))
        zip.add("mergedimage.png", try ImageFiles.pngBytes(width: width, height: height, channels: 3, pixels: merged))
        let (tw, th, thumb) = thumbnail(merged, width: width, height: height)
        zip.add("Thumbnails/thumbnail.png", try ImageFiles.pngBytes(width: tw, height: th, channels: 3, pixels: thumb))
        try Data(zip.finished()).writeDurably(to: URL(fileURLWithPath: path))
    }

    /// The merged image shrunk by box averaging to fit 256×256, as the format asks.
    static func thumbnail(_ rgb: [UInt8], width: Int, height: Int) -> (Int, Int, [UInt8]) {
        let factor = max(1, (max(width, height) + 255) / 256)
        guard factor > 1 else { return (width, height, rgb) }
        let tw = width / factor, th = height / factor
        var out = [UInt8](repeating: 0, count: tw * th * 3)
        for y in 0..<th { for x in 0..<tw { for c in 0..<3 {
            var sum = 0
            for dy in 0..<factor { for dx in 0..<factor { sum += Int(rgb[((y * factor + dy) * width + x * factor + dx) * 3 + c]) } }
            out[(y * tw + x) * 3 + c] = UInt8(sum / (factor * factor))
        } } }
        return (tw, th, out)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
