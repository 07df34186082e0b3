import Foundation
import XCTest
import StrataModels
@testable import StrataTensor

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func op(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(path: directory.appendingPathComponent("ops/\(name).safetensors").path)
    }

    /// The JSON settings a fixture was made with.
    static func settings(_ f: SafeTensorsFile) -> [String: Any] {
        guard let s = f.metadata["settings"], let d = s.data(using: .utf8),
              let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return [:] }
        return o
    }
}


func assertClose(_ a: Tensor, _ b: Tensor, tolerance: Float = 1e-4, _ what: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "\(what): shape", file: file, line: line)
    guard a.shape == b.shape else { return }
    let e = relativeError(a, b)
    XCTAssertLessThanOrEqual(e, tolerance, "\(what): relative error \(e)", file: file, line: line)
}

/// Runs `fn` on a fixture's inputs with gradients on, back-propagates its `gout`, and
/// compares the output and every saved input gradient.
func checkAgainstFixture(_ name: String, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line,
                         _ fn: ([Tensor], [String: Any]) -> Tensor) throws {
    let f = try Fixtures.op(name)
    var inputs: [Tensor] = []
    var i = 0
    while f.entries["in\(i)"] != nil {
        let e = f.entries["in\(i)"]!
        let t: Tensor = e.dtype.hasPrefix("I")
            ? Tensor(try f.integers("in\(i)").map(Float.init), shape: e.shape)
            : try f.tensor("in\(i)").requiringGrad(f.entries["grad_in\(i)"] != nil)
        inputs.append(t)
        i += 1
    }
    let out = fn(inputs, Fixtures.settings(f))
    assertClose(out, try f.tensor("out"), tolerance: tolerance, "\(name) forward", file: file, line: line)
    out.backward(try f.tensor("gout"))
    for (j, x) in inputs.enumerated() where f.entries["grad_in\(j)"] != nil {
        guard let g = x.grad else { XCTFail("\(name): no gradient for input \(j)", file: file, line: line); continue }
        assertClose(g, try f.tensor("grad_in\(j)"), tolerance: tolerance, "\(name) gradient of input \(j)", file: file, line: line)
    }
}

/// Central finite differences of L = Σ w ⊙ fn(inputs) against autograd, on up to
/// `probes` coordinates of each input.
func checkFiniteDifferences(_ what: String, _ inputs: [Tensor], eps: Float = 1e-2, tolerance: Float = 2e-2, probes: Int = 12,
                            seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line,
                            _ fn: ([Tensor]) -> Tensor) {
    var rng = StrataRandom(seed: seed)
    for x in inputs { x.requiringGrad() ; x.grad = nil }
    let out = fn(inputs)
    let w = Tensor.randn(out.shape, using: &rng)
    (out * w).sum().backward()
    func loss() -> Double {
        let o = GradMode.disabled { fn(inputs) }
        var s = 0.0
        for i in 0..<o.count { s += Double(o.data[i]) * Double(w.data[i]) }
        return s
    }
    for (k, x) in inputs.enumerated() {
        guard let g = x.grad else { XCTFail("\(what): input \(k) got no gradient", file: file, line: line); continue }
        var worst: Float = 0
        var scale: Float = 1e-3
        for i in 0..<g.count { scale = max(scale, abs(g.data[i])) }
        for _ in 0..<min(probes, x.count) {
            let i = rng.nextInt(below: x.count)
            let saved = x.data[i]
            x.data[i] = saved + eps; let up = loss()
            x.data[i] = saved - eps; let down = loss()
            x.data[i] = saved
            let numeric = Float((up - down) / Double(2 * eps))
            worst = max(worst, abs(numeric - g.data[i]) / scale)
        }
        XCTAssertLessThanOrEqual(worst, tolerance, "\(what): finite differences disagree on input \(k) (\(worst))", file: file, line: line)
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, offset: Float = 0) -> Tensor {
    var rng = StrataRandom(seed: seed)
    return Tensor.randn(shape, using: &rng) * scale + offset
}
