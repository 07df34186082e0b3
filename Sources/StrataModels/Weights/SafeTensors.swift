// The safetensors format: an 8-byte little-endian header length, a JSON header naming
// each tensor's dtype, shape and byte range, then the raw little-endian data.
// Reading maps the file and checks the header as the reference parser does.
import Foundation
import StrataTensor

public enum SafeTensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case tooSmall(path: String)
    case headerTooLarge(path: String, size: UInt64)
    case headerNotJSON(path: String, reason: String)
    case badEntry(path: String, name: String, reason: String)
    case layout(path: String, reason: String)
    case missing(path: String, name: String)
    case unsupportedDType(path: String, name: String, dtype: String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): return "\(p): cannot read safetensors file: \(r)"
        case let .tooSmall(p): return "\(p): too short to be a safetensors file (needs at least an 8-byte header length)"
        case let .headerTooLarge(p, s): return "\(p): header length \(s) exceeds the 100 MB limit or the file size"
        case let .headerNotJSON(p, r): return "\(p): header is not a JSON object of tensors: \(r)"
        case let .badEntry(p, n, r): return "\(p): tensor '\(n)': \(r)"
        case let .layout(p, r): return "\(p): tensor data layout is invalid: \(r)"
        case let .missing(p, n): return "\(p): no tensor named '\(n)'"
        case let .unsupportedDType(p, n, d): return "\(p): tensor '\(n)' has dtype \(d), which Strata does not read as values"
        }
    }
}

public struct SafeTensorsFile {
    public struct Entry {
        public let dtype: String
        public let shape: [Int]
        /// Byte range inside the data section.
        public let begin: Int, end: Int
    }

    public let path: String
    public let entries: [String: Entry]
    public let metadata: [String: String]
    private let bytes: Data
    private let dataStart: Int

    static let maxHeader: UInt64 = 100_000_000
    static let dtypeSizes: [String: Int] = ["F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
                                            "I8": 1, "U8": 1, "BOOL": 1, "U16": 2, "U32": 4, "U64": 8,
                                            "F8_E4M3": 1, "F8_E5M2": 1]

    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) }
        catch { throw SafeTensorsError.unreadable(path: path, reason: error.localizedDescription) }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "<memory>") throws {
        self.path = path
        bytes = data
        guard data.count >= 8 else { throw SafeTensorsError.tooSmall(path: path) }
        let n: UInt64 = data.withUnsafeBytes { raw in
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(raw[i]) << UInt64(8 * i) }
            return v
        }
        guard n <= SafeTensorsFile.maxHeader, n <= UInt64(data.count - 8) else {
            throw SafeTensorsError.headerTooLarge(path: path, size: n)
        }
        dataStart = 8 + Int(n)
        let headerData = data.subdata(in: data.startIndex + 8 ..< data.startIndex + dataStart)
        guard headerData.first == UInt8(ascii: "{") else {
            throw SafeTensorsError.headerNotJSON(path: path, reason: "does not start with '{'")
        }
        let json: JSONValue
        do { json = try JSONValue(data: headerData) }
        catch { throw SafeTensorsError.headerNotJSON(path: path, reason: "\(error)") }
        guard let object = json.objectValue else {
            throw SafeTensorsError.headerNotJSON(path: path, reason: "top level is not an object")
        }
        var entries: [String: Entry] = [:]
        var meta: [String: String] = [:]
        for (name, value) in object {
            if name == "__metadata__" {
                guard let m = value.objectValue else { throw SafeTensorsError.badEntry(path: path, name: name, reason: "metadata is not an object") }
                for (k, v) in m {
                    guard let s = v.stringValue else { throw SafeTensorsError.badEntry(path: path, name: name, reason: "metadata value for '\(k)' is not a string") }
                    meta[k] = s
                }
                continue
            }
            guard let dtype = value["dtype"]?.stringValue, case let .array(shapeValues)? = value["shape"],
                  case let .array(offsetValues)? = value["data_offsets"], offsetValues.count == 2 else {
                throw SafeTensorsError.badEntry(path: path, name: name, reason: "needs dtype, shape and two data_offsets")
            }
            func counts(_ values: [JSONValue], _ what: String) throws -> [Int] {
                try values.map { v in
                    guard case let .int(n) = v, n >= 0 else {
                        throw SafeTensorsError.badEntry(path: path, name: name, reason: "\(what) is not a list of non-negative integers")
                    }
                    return n
                }
            }
            let shape = try counts(shapeValues, "shape"), offs = try counts(offsetValues, "data_offsets")
            guard let size = SafeTensorsFile.dtypeSizes[dtype] else {
                throw SafeTensorsError.badEntry(path: path, name: name, reason: "unknown dtype \(dtype)")
            }
            guard offs[0] <= offs[1] else { throw SafeTensorsError.badEntry(path: path, name: name, reason: "data_offsets \(offs) run backwards") }
            let (elements, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d); return (p, acc.1 || o)
            }
            let (bytes, bytesOverflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow, !bytesOverflow, bytes == offs[1] - offs[0] else {
                throw SafeTensorsError.badEntry(path: path, name: name, reason: "shape \(shape) × \(dtype) is not the \(offs[1] - offs[0]) bytes its offsets give")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, begin: offs[0], end: offs[1])
        }
        // The tensors must tile the data section exactly: sorted by offset, no gaps or overlaps.
        let sorted = entries.sorted { ($0.value.begin, $0.value.end) < ($1.value.begin, $1.value.end) }
        var expected = 0
        for (name, e) in sorted {
            guard e.begin == expected else {
                throw SafeTensorsError.layout(path: path, reason: e.begin < expected ? "'\(name)' overlaps the tensor before it" : "gap before '\(name)' at byte \(expected)")
            }
            expected = e.end
        }
        guard dataStart + expected == data.count else {
            throw SafeTensorsError.layout(path: path, reason: "the tensors cover \(expected) bytes but the data section has \(data.count - dataStart)")
        }
        self.entries = entries
        self.metadata = meta
    }

    public var names: [String] { entries.keys.sorted() }

    /// Reads a floating-point tensor (F32, F16, BF16, F64) as fp32.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entries[name] else { throw SafeTensorsError.missing(path: path, name: name) }
        let n = Tensor.elementCount(e.shape)
        let t = Tensor.empty(e.shape)
        try bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + e.begin
            switch e.dtype {
            case "F32": for i in 0..<n { t.data[i] = Float(bitPattern: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) }
            case "F16": for i in 0..<n { t.data[i] = HalfPrecision.fromFP16Bits(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
            case "BF16": for i in 0..<n { t.data[i] = HalfPrecision.fromBF16Bits(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) }
            case "F64": for i in 0..<n { t.data[i] = Float(Double(bitPattern: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian)) }
            default: throw SafeTensorsError.unsupportedDType(path: path, name: name, dtype: e.dtype)
            }
        }
        return t
    }

    /// Reads an integer tensor (I64, I32, I16, I8, U8) as Int.
    public func integers(_ name: String) throws -> [Int] {
        guard let e = entries[name] else { throw SafeTensorsError.missing(path: path, name: name) }
        let n = Tensor.elementCount(e.shape)
        return try bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + e.begin
            switch e.dtype {
            case "I64": return (0..<n).map { Int(Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            case "I32": return (0..<n).map { Int(Int32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            case "I16": return (0..<n).map { Int(Int16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * $0, as: Int16.self))) }
            case "I8": return (0..<n).map { Int(base.load(fromByteOffset: $0, as: Int8.self)) }
            case "U8", "BOOL": return (0..<n).map { Int(base.load(fromByteOffset: $0, as: UInt8.self)) }
            default: throw SafeTensorsError.unsupportedDType(path: path, name: name, dtype: e.dtype)
            }
        }
    }

    public enum StorageType: String { case f32 = "F32", f16 = "F16", bf16 = "BF16" }

    /// Writes tensors atomically (temporary file, then rename), header padded with spaces
    /// to a multiple of 8 bytes and `__metadata__` {"format": "pt"}.
    public static func write(_ tensors: [String: Tensor], to path: String, as type: StorageType = .f32,
                             metadata: [String: String] = [:]) throws {
        let size = type == .f32 ? 4 : 2
        var header: [String: JSONValue] = ["__metadata__": .object(metadata.merging(["format": "pt"]) { a, _ in a }.mapValues { .string($0) })]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": .string(type.rawValue), "shape": .array(t.shape.map { .int($0) }),
                            "data_offsets": [.int(offset), .int(offset + t.count * size)]]
            offset += t.count * size
        }
        var json = try JSONValue.object(header).data(pretty: false)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            let t = tensors[name]!
            switch type {
            case .f32:
                out.append(Data(bytes: t.data, count: t.count * 4))
            case .f16, .bf16:
                var half = [UInt16](repeating: 0, count: t.count)
                half.withUnsafeMutableBufferPointer { b in
                    if type == .f16 { HalfPrecision.toFP16(t.data, b.baseAddress!, t.count) }
                    else { HalfPrecision.toBF16(t.data, b.baseAddress!, t.count) }
                }
                half.withUnsafeBytes { out.append(contentsOf: $0) }
            }
        }
        try out.writeDurably(to: URL(fileURLWithPath: path))
    }
}
