// Named tensors read from safetensors files, handed to models by name with their
// expected shape, so a wrong or partial checkpoint fails with a message naming the
// tensor, not with a crash later.
import Foundation
import StrataTensor

public enum WeightError: Error, CustomStringConvertible, Equatable {
    case missing(name: String, source: String)
    case shape(name: String, expected: [Int], found: [Int], source: String)
    case notFinite(name: String, index: Int, source: String)

    public var description: String {
        switch self {
        case let .missing(n, s): return "\(s): no tensor '\(n)'"
        case let .shape(n, e, f, s): return "\(s): tensor '\(n)' has shape \(f), the model expects \(e)"
        case let .notFinite(n, i, s): return "\(s): tensor '\(n)' holds a value that is not a finite number (element \(i))"
        }
    }
}

public final class WeightStore {
    public let source: String
    private var files: [SafeTensorsFile]
    private var index: [String: Int] = [:]
    /// Names read so far, to report weights a model never used.
    public private(set) var used = Set<String>()
    /// Makes tensors that no file holds (fresh weights for training from scratch).
    private var maker: ((String, [Int]) throws -> Tensor)?
    /// Which names the maker provides, for optional tensors.
    private var makerHas: (String) -> Bool = { _ in true }

    /// Where a requested name is kept in the files (single-file checkpoints keep weights
    /// under other names).
    private var rename: (String) -> String = { $0 }

    /// The same files, read under other names: `rename` maps a name a model asks for to
    /// the name in the files.
    public func renamed(_ rename: @escaping (String) -> String) -> WeightStore {
        let store = WeightStore(files: files, source: source)
        store.rename = rename
        return store
    }

    /// A store with no files whose tensors `maker` creates on request.
    public init(source: String, has: @escaping (String) -> Bool = { _ in true }, maker: @escaping (String, [Int]) throws -> Tensor) {
        files = []
        self.source = source
        self.maker = maker
        makerHas = has
    }

    public init(files: [SafeTensorsFile], source: String) {
        self.files = files
        self.source = source
        for (i, f) in files.enumerated() { for n in f.names { index[n] = i } }
    }

    public convenience init(path: String) throws {
        try self.init(files: [SafeTensorsFile(path: path)], source: path)
    }

    public var names: [String] { index.keys.sorted() }

    /// `NAME.safetensors` in a component folder, or its `NAME.fp16.safetensors` variant.
    public static func file(in folder: URL, named name: String) -> URL {
        let plain = folder.appendingPathComponent(name + ".safetensors")
        let half = folder.appendingPathComponent(name + ".fp16.safetensors")
        return !FileManager.default.fileExists(atPath: plain.path) && FileManager.default.fileExists(atPath: half.path) ? half : plain
    }

    public func contains(_ name: String) -> Bool { index[rename(name)] != nil || (maker != nil && makerHas(name)) }

    /// The tensor `name`, checked against `shape`, as a parameter (requires no gradient
    /// until a trainer asks for one).
    public func tensor(_ requested: String, _ shape: [Int]) throws -> Tensor {
        let name = rename(requested)
        if let maker, index[name] == nil { used.insert(name); return try maker(name, shape) }
        guard let i = index[name] else { throw WeightError.missing(name: name, source: source) }
        let f = files[i]
        let found = f.entries[name]!.shape
        guard Tensor.elementCount(found) == Tensor.elementCount(shape), found == shape || found.filter({ $0 != 1 }) == shape.filter({ $0 != 1 }) else {
            throw WeightError.shape(name: name, expected: shape, found: found, source: source)
        }
        used.insert(name)
        let t = try f.tensor(name)
        // NaN or infinity in a weight would spread through every result: refused here.
        if let bad = (0..<t.count).first(where: { !t.data[$0].isFinite }) {
            throw WeightError.notFinite(name: name, index: bad, source: source)
        }
        return found == shape ? t : t.reshaped(shape)
    }
}
