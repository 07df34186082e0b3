// PNG files through libpng (CStrata's png_io.c): 8-bit images with text chunks, written
// atomically (temporary file, then rename).
import CStrata
import Foundation
import StrataTensor

public enum PNGError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case notPNG(String)
    case corrupt(String)
    case tooLarge(String, width: Int, height: Int)
    case unwritable(String, code: Int32)

    public var description: String {
        switch self {
        case .unreadable(let p): return "\(p): cannot be read"
        case .notPNG(let p): return "\(p): not a PNG image"
        case .corrupt(let p): return "\(p): the PNG data is damaged"
        case let .tooLarge(p, w, h): return "\(p): \(w)×\(h) pixels is more than Strata reads (\(PNGImage.maxPixels / 1_048_576) megapixels)"
        case let .unwritable(p, c): return "\(p): cannot be written (libpng error \(c))"
        }
    }
}

public struct PNGImage {
    public let width: Int, height: Int
    /// 8-bit RGBA, row by row.
    public let rgba: [UInt8]
    /// Text chunks by keyword.
    public let text: [String: String]

    /// The most pixels an image may have: checked from its header, before decoding.
    public static let maxPixels = 64 * 1_048_576

    public static func read(_ path: String) throws -> PNGImage {
        var w: Int32 = 0, h: Int32 = 0, n: Int32 = 0
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var keys: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        var values: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let rc = cstrata_png_read(path, Int64(Self.maxPixels), &w, &h, &pixels, &n, &keys, &values)
        switch rc {
        case 0: break
        case 1: throw PNGError.unreadable(path)
        case 5: throw PNGError.notPNG(path)
        case 6: throw PNGError.tooLarge(path, width: Int(UInt32(bitPattern: w)), height: Int(UInt32(bitPattern: h)))
        default: throw PNGError.corrupt(path)
        }
        defer { cstrata_png_free(pixels, n, keys, values) }
        var text: [String: String] = [:]
        for i in 0..<Int(n) {
            let k = String(cString: keys![i]!)
            // iTXt arrives as UTF-8, tEXt as Latin-1 bytes
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(values![i]!).assumingMemoryBound(to: UInt8.self), count: strlen(values![i]!)))
            text[k] = String(validating: bytes, as: UTF8.self) ?? String(bytes.map { Character(Unicode.Scalar($0)) })
        }
        return PNGImage(width: Int(w), height: Int(h), rgba: Array(UnsafeBufferPointer(start: pixels, count: Int(w) * Int(h) * 4)), text: text)
    }

    /// Writes 8-bit pixels (`channels` of 1, 3 or 4 per pixel) with text chunks: tEXt when
    /// the text is Latin-1, else iTXt, as Pillow does.
    public static func write(_ path: String, width: Int, height: Int, channels: Int, pixels: [UInt8],
                             text: [(key: String, value: String)] = []) throws {
        precondition(pixels.count == width * height * channels, "PNG: \(pixels.count) bytes for \(width)×\(height)×\(channels)")
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp").path
        var keyStore: [[CChar]] = [], valueStore: [[CChar]] = []
        var flags: [Int32] = []
        for (k, v) in text {
            keyStore.append(Array(k.utf8CString))
            if v.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) {
                valueStore.append(v.unicodeScalars.map { CChar(bitPattern: UInt8($0.value)) } + [0])
                flags.append(0)
            } else {
                valueStore.append(Array(v.utf8CString))
                flags.append(1)
            }
        }
        let rc: Int32 = keyStore.withPointers { keys in
            valueStore.withPointers { values in
                cstrata_png_write(temporary, Int32(width), Int32(height), Int32(channels), pixels, Int32(text.count), keys, values, flags)
            }
        }
        guard rc == 0 else { unlink(temporary); throw PNGError.unwritable(path, code: rc) }
        do { try DurableFile.publish(temporary: temporary, as: path) } catch { throw PNGError.unwritable(path, code: -1) }
    }

    /// An image tensor [1, 3, H, W] in [0, 1] as 8-bit RGB bytes.
    public static func rgbBytes(_ image: Tensor) -> [UInt8] {
        precondition(image.rank == 4 && image.shape[0] == 1 && image.shape[1] == 3, "rgbBytes: needs [1, 3, H, W], got \(image.shape)")
        let h = image.shape[2], w = image.shape[3]
        var out = [UInt8](repeating: 0, count: h * w * 3)
        for c in 0..<3 { for i in 0..<(h * w) {
            out[i * 3 + c] = UInt8(max(0, min(255, (image.data[c * h * w + i] * 255).rounded())))
        } }
        return out
    }
}

extension Array where Element == [CChar] {
    /// Calls `body` with a C array of pointers to these strings.
    func withPointers<R>(_ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        func nest(_ i: Int) -> R {
            if i == count { return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) } }
            return self[i].withUnsafeBufferPointer { p in pointers.append(p.baseAddress); return nest(i + 1) }
        }
        if isEmpty {
            var none: [UnsafePointer<CChar>?] = [nil]
            return none.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        }
        return nest(0)
    }
}
