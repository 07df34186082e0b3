// PyTorch beside Strata, for benchmarks only: a python3 process that times the same
// work as Strata, case by case, when torch is installed.
import Foundation
import StrataModels
import StrataSprites

enum TorchReference {
    /// Whether `python3 -c "import torch"` works here.
    static var isAvailable: Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import torch"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}

/// A running python3 process that reads one JSON request per line and answers with one
/// JSON line. Its first line announces the torch version.
final class TorchSession {
    private let process = Process()
    private let input = Pipe(), output = Pipe(), errors = Pipe()
    private var buffer = Data()
    private(set) var version = "?"

    /// `script`: the path of a Python file.
    init(script: String, arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let hello = try readObject()
        version = hello["torch_version"]?.stringValue ?? "?"
    }

    func request(_ object: JSONValue) throws -> JSONValue {
        var line = try object.data(pretty: false)
        line.append(0x0A)
        input.fileHandleForWriting.write(line)
        return try readObject()
    }

    private func readObject() throws -> JSONValue {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<nl]
                buffer = Data(buffer[(nl + 1)...])
                guard let obj = try? JSONValue(data: Data(line)), obj.objectValue != nil else {
                    throw BenchError.torchFailed("unexpected answer")
                }
                return obj
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                process.waitUntilExit()
                let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                throw BenchError.torchFailed(err.split(separator: "\n").suffix(3).joined(separator: " "))
            }
            buffer.append(chunk)
        }
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

enum BenchError: Error, CustomStringConvertible {
    case torchFailed(String)
    var description: String {
        switch self { case .torchFailed(let m): return "the PyTorch side failed: \(m)" }
    }
}

/// The PyTorch scripts of the benchmarks, in the repository's scripts/ beside Assets/.
enum TorchScripts {
    static func path(_ name: String) throws -> String {
        let url = try StrataAssets.directory().deletingLastPathComponent().appendingPathComponent("scripts").appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw BenchError.torchFailed("no \(url.path): the PyTorch side needs Strata's repository") }
        return url.path
    }
    static var kernels: String { get throws { try path("bench_kernels_torch.py") } }
    static var model: String { get throws { try path("bench_model_torch.py") } }
}
