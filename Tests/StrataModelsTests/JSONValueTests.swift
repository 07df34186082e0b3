import Foundation
import XCTest
@testable import StrataModels

final class JSONValueTests: XCTestCase {
    /// Every kind of value survives a write and a read, and Foundation's own parser reads
    /// the written document as the same values.
    func testRoundTripAgreesWithFoundationsParser() throws {
        let value: JSONValue = ["name": "unet", "count": 3, "scale": 0.18215, "tiny": 1e-6, "on": true,
                                "none": nil, "list": [1, "two", [3.5]], "nested": ["a": ["b": false]]]
        for pretty in [true, false] {
            let data = try value.data(pretty: pretty)
            XCTAssertEqual(try JSONValue(data: data), value)
            let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
            XCTAssertEqual(parsed["name"] as? String, "unet")
            XCTAssertEqual(parsed["count"] as? Int, 3)
            XCTAssertEqual(parsed["scale"] as? Double, 0.18215)
            XCTAssertEqual(parsed["tiny"] as? Double, 1e-6)
            XCTAssertEqual(parsed["on"] as? Bool, true)
            XCTAssertTrue(parsed["none"] is NSNull)
            XCTAssertEqual((parsed["list"] as? [Any])?.count, 3)
            XCTAssertEqual(((parsed["nested"] as? [String: Any])?["a"] as? [String: Any])?["b"] as? Bool, false)
        }
        // Pretty documents are sorted, indented and end in a newline (diffusers' own style).
        let pretty = String(decoding: try (["b": 1, "a": 2] as JSONValue).data(), as: UTF8.self)
        XCTAssertEqual(pretty, "{\n  \"a\" : 2,\n  \"b\" : 1\n}\n")
    }

    /// Numbers keep their kind: integers stay integers; a fraction is a double; either
    /// reads as a number.
    func testNumbersKeepTheirKind() throws {
        let v = try JSONValue(data: Data(#"{"i": 7, "f": 2.5, "big": 4294967297, "neg": -3}"#.utf8))
        XCTAssertEqual(v["i"], .int(7))
        XCTAssertEqual(v["f"], .double(2.5))
        XCTAssertEqual(v["big"], .int(4_294_967_297))
        XCTAssertEqual(v["neg"], .int(-3))
        XCTAssertEqual(v["f"]?.doubleValue, 2.5)
        XCTAssertEqual(v["i"]?.doubleValue, 7)
        XCTAssertNil(v["missing"])
    }

    /// A Codable value seen as JSON and decoded back is the same value.
    func testEncodingAndDecodingCodableTypes() throws {
        let config = UNetConfig()
        let json = try JSONValue(encoding: config)
        XCTAssertNotNil(json["block_out_channels"])
        XCTAssertEqual(try json.decode(as: UNetConfig.self), config)
    }
}
