// Runs a Python script against PyTorch, when python3 with torch is installed, and
// reads its JSON answer. Used only by benchmarks, to time the same work side by side.
import Foundation

enum TorchReference {
    /// Whether `python3 -c "import torch"` works here.
    static var isAvailable: Bool {
        (try? run(script: "import torch", input: Data()))?.status == 0
    }

    static func run(script: String, input: Data) throws -> (status: Int32, output: Data, error: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin; p.standardOutput = stdout; p.standardError = stderr
        try p.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, out, String(decoding: err, as: UTF8.self))
    }

    /// Runs `script` with `request` as JSON on standard input; returns its JSON output.
    static func json(script: String, request: Any) throws -> Any {
        let input = try JSONSerialization.data(withJSONObject: request)
        let r = try run(script: script, input: input)
        guard r.status == 0 else { throw BenchError.torchFailed(r.error.split(separator: "\n").suffix(3).joined(separator: " ")) }
        return try JSONSerialization.jsonObject(with: r.output)
    }
}

enum BenchError: Error, CustomStringConvertible {
    case torchFailed(String)
    var description: String {
        switch self { case .torchFailed(let m): return "the PyTorch side failed: \(m)" }
    }
}
