// A grid of 64×64 pictures with a one-pixel gutter, for looking at many results at once.
import StrataModels

public enum ContactSheet {
    public static func write(_ pictures: [[UInt8]], columns: Int, to path: String) throws {
        let side = 64, gap = 1
        let rows = (pictures.count + columns - 1) / columns
        let w = columns * (side + gap) + gap, h = max(1, rows) * (side + gap) + gap
        var out = [UInt8](repeating: 255, count: w * h * 3)
        for (n, rgb) in pictures.enumerated() {
            let ox = gap + (n % columns) * (side + gap), oy = gap + (n / columns) * (side + gap)
            for y in 0..<side { for x in 0..<side { for c in 0..<3 {
                out[((oy + y) * w + ox + x) * 3 + c] = rgb[(y * side + x) * 3 + c]
            } } }
        }
        try PNGImage.write(path, width: w, height: h, channels: 3, pixels: out)
    }
}
