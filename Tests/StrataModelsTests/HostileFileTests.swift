import Foundation
import XCTest
@testable import StrataModels
@testable import StrataTensor

/// Files built to hurt: each is refused with a message before anything large is
/// allocated or anything wrong is computed.
final class HostileFileTests: XCTestCase {
    func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("strata-hostile-\(getpid())-\(name)")
    }

    /// A PNG whose header claims 40000×40000 pixels (1.6 gigapixels) and holds almost no
    /// data: refused from the header, naming the size.
    func testAHugePNGIsRefusedFromItsHeader() throws {
        let url = temporary("huge.png")
        defer { try? FileManager.default.removeItem(at: url) }
        try PNGImage.write(url.path, width: 2, height: 2, channels: 3, pixels: [UInt8](repeating: 7, count: 12))
        var bytes = [UInt8](try Data(contentsOf: url))
        // IHDR's width and height follow the signature (8), the length (4) and "IHDR" (4).
        for (offset, value) in [(16, UInt32(40_000)), (20, UInt32(40_000))] {
            for k in 0..<4 { bytes[offset + k] = UInt8((value >> (24 - 8 * UInt32(k))) & 0xFF) }
        }
        // The chunk's CRC over "IHDR" and its 13 bytes, so libpng reads the header as valid.
        let crc = Self.crc32(Array(bytes[12..<29]))
        for k in 0..<4 { bytes[29 + k] = UInt8((crc >> (24 - 8 * UInt32(k))) & 0xFF) }
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try PNGImage.read(url.path)) { error in
            XCTAssertEqual(error as? PNGError, .tooLarge(url.path, width: 40_000, height: 40_000))
            XCTAssert("\(error)".contains("40000×40000"), "\(error)")
        }
    }

    /// The PNG fuzzer's first find (Fuzz/corpus/png/damaged-idat-leak.png): one flipped
    /// bit in the pixel data. It is refused as damaged; under AddressSanitizer (the fuzz
    /// harness) its reading also leaked the pixel buffer, which is why it is kept there.
    func testADamagedPNGIsRefusedAsDamaged() throws {
        let url = temporary("damaged.png")
        defer { try? FileManager.default.removeItem(at: url) }
        let base64 = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAAFCAAAAAClGgl+AAAAD0lEQVR4nGOMYmBgYkDFBAcmAGQX76XuAAAAAElFTkSuQmCC"
        try XCTUnwrap(Data(base64Encoded: base64)).write(to: url)
        XCTAssertThrowsError(try PNGImage.read(url.path)) { error in
            XCTAssertEqual(error as? PNGError, .corrupt(url.path))
        }
    }

    /// The image fuzzer's find (Fuzz/corpus/png/text-bomb-oom.png): a 2×2 picture whose
    /// compressed text chunk made libpng ask for 1.9 GB. No chunk may take more than 16 MB
    /// now: the file reads, or is refused as damaged, without that allocation.
    func testACompressedTextBombIsNotInflated() throws {
        let url = temporary("text-bomb.png")
        defer { try? FileManager.default.removeItem(at: url) }
        let base64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAI3RFWHRwYXJhbWV0ZXJzAGEgZG9nClN0ZXBzOiAyMCwgU2VlZAIAAAD91JpzAAAVaVRYdGNvbW1lbnQAAAAAAMO8bsOvY29kZRF4L/AAAAALSURBVHicY2BABgAADgABqZFzsQAAAABJRU5ErkJggg=="
        try XCTUnwrap(Data(base64Encoded: base64)).write(to: url)
        var before = rusage(), after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        do {
            let png = try PNGImage.read(url.path)
            XCTAssertEqual([png.width, png.height], [2, 2])
            XCTAssert(png.text.values.allSatisfy { $0.utf8.count < 16 << 20 })
        } catch {
            XCTAssertEqual(error as? PNGError, .corrupt(url.path))
        }
        getrusage(RUSAGE_SELF.rawValue, &after)
        XCTAssertLessThan(after.ru_maxrss - before.ru_maxrss, 512 * 1024, "peak memory grew by \(after.ru_maxrss - before.ru_maxrss) KB")
    }

    /// A weight holding NaN or infinity is refused, naming the tensor and the element.
    func testNonFiniteWeightsAreRefused() throws {
        for bad in [Float.nan, .infinity, -.infinity] {
            let url = temporary("weights.safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            let t = Tensor([0.5, 1, bad, 2], shape: [4])
            try SafeTensorsFile.write(["good": Tensor([1, 2], shape: [2]), "bad": t], to: url.path)
            let store = try WeightStore(path: url.path)
            XCTAssertEqual(try store.tensor("good", [2]).scalars, [1, 2])
            XCTAssertThrowsError(try store.tensor("bad", [4])) { error in
                XCTAssertEqual(error as? WeightError, .notFinite(name: "bad", index: 2, source: url.path))
            }
        }
    }

    /// A safetensors entry whose byte count overflows (elements × dtype size) is refused.
    func testOverflowingTensorSizesAreRefused() throws {
        let header = #"{"t":{"dtype":"F32","shape":[4611686018427387905],"data_offsets":[0,4]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(header.utf8)); data.append(contentsOf: [0, 0, 0, 0])
        XCTAssertThrowsError(try SafeTensorsFile(data: data)) { error in
            XCTAssert("\(error)".contains("not the 4 bytes"), "\(error)")
        }
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }
}

extension HostileFileTests {
    /// A safetensors file whose header is 128 bytes long starts with the byte 0x80, as a
    /// pickle stream does: it is read, while a real pickle stream is refused.
    func testASafetensorsFileStartingWith0x80IsNotTakenForAPickle() throws {
        let url = temporary("x80.safetensors"), pickle = temporary("x80.safetensors.pickle")
        defer { try? FileManager.default.removeItem(at: url); try? FileManager.default.removeItem(at: pickle) }
        // Pad the metadata so that the header (padded to 8 bytes) is exactly 128 bytes.
        var pad = ""
        while true {
            try SafeTensorsFile.write(["w": Tensor([1, 2], shape: [2])], to: url.path, metadata: ["pad": pad])
            let first = [UInt8](try Data(contentsOf: url).prefix(1))[0]
            if first == 0x80 { break }
            XCTAssertLessThan(first, 0x80, "the header grew past 128 bytes")
            pad += "x"
        }
        XCTAssertNoThrow(try SingleFileCheckpoint.checkNotPickle(url.path))
        XCTAssertEqual(try SafeTensorsFile(path: url.path).tensor("w").scalars, [1, 2])
        try Data([0x80, 0x02, 0x7D, 0x71, 0x00, 0x28, 0x58, 0x01, 0x00, 0x00]).write(to: pickle)
        XCTAssertThrowsError(try SingleFileCheckpoint.checkNotPickle(pickle.path))
    }
}
