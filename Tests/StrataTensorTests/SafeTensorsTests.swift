import Foundation
import XCTest
@testable import StrataModels
@testable import StrataTensor

final class SafeTensorsTests: XCTestCase {
    func header(_ json: String, data: Int) -> Data {
        var d = Data()
        let h = Data(json.utf8)
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(h)
        d.append(Data(count: data))
        return d
    }

    func testRoundTripInEveryStorageType() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-st-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = randomTensor([3, 5], seed: 1), b = randomTensor([7], seed: 2)
        for type in [SafeTensorsFile.StorageType.f32, .f16, .bf16] {
            let path = dir.appendingPathComponent("t.safetensors").path
            try SafeTensorsFile.write(["a": a, "b": b], to: path, as: type)
            let f = try SafeTensorsFile(path: path)
            XCTAssertEqual(f.metadata["format"], "pt")
            let raw = try Data(contentsOf: URL(fileURLWithPath: path))
            let n = raw.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            XCTAssertEqual(n % 8, 0, "header padded to 8 bytes")
            let tol: Float = type == .f32 ? 0 : (type == .f16 ? 1e-3 : 8e-3)
            assertClose(try f.tensor("a"), a, tolerance: tol)
            assertClose(try f.tensor("b"), b, tolerance: tol)
        }
    }

    func testReadsTheFixturesPyTorchWrote() throws {
        let f = try Fixtures.op("embedding")
        XCTAssertEqual(f.entries["in1"]?.dtype, "I64")
        XCTAssertEqual(try f.integers("in1"), [1, 7, 3, 1, 0, 9, 9, 2])
    }

    func testMalformedFilesGetTypedErrors() {
        XCTAssertThrowsError(try SafeTensorsFile(data: Data([1, 2, 3]))) { XCTAssertEqual($0 as? SafeTensorsError, .tooSmall(path: "<memory>")) }
        var huge = Data(); withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { huge.append(contentsOf: $0) }
        XCTAssertThrowsError(try SafeTensorsFile(data: huge)) { guard case .headerTooLarge = $0 as? SafeTensorsError else { return XCTFail("\($0)") } }
        XCTAssertThrowsError(try SafeTensorsFile(data: header("[1]", data: 0))) { guard case .headerNotJSON = $0 as? SafeTensorsError else { return XCTFail("\($0)") } }
        let wrongSize = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#
        XCTAssertThrowsError(try SafeTensorsFile(data: header(wrongSize, data: 4))) { guard case .badEntry = $0 as? SafeTensorsError else { return XCTFail("\($0)") } }
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        XCTAssertThrowsError(try SafeTensorsFile(data: header(gap, data: 8))) { guard case .layout = $0 as? SafeTensorsError else { return XCTFail("\($0)") } }
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        XCTAssertThrowsError(try SafeTensorsFile(data: header(overlap, data: 8))) { guard case .layout = $0 as? SafeTensorsError else { return XCTFail("\($0)") } }
        let short = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        XCTAssertThrowsError(try SafeTensorsFile(data: header(short, data: 4))) { guard case .layout = $0 as? SafeTensorsError else { return XCTFail("\($0)") } }
        let badType = #"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#
        XCTAssertThrowsError(try SafeTensorsFile(data: header(badType, data: 1))) { guard case .badEntry = $0 as? SafeTensorsError else { return XCTFail("\($0)") } }
    }
}
