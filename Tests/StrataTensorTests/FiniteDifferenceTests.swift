// Autograd against central finite differences for every operation.
import Foundation
import XCTest
@testable import StrataTensor

final class FiniteDifferenceTests: XCTestCase {
    func testArithmetic() {
        checkFiniteDifferences("add", [randomTensor([2, 3, 4], seed: 1), randomTensor([3, 1], seed: 2)]) { $0[0] + $0[1] }
        checkFiniteDifferences("sub", [randomTensor([2, 3, 4], seed: 1), randomTensor([4], seed: 2)]) { $0[0] - $0[1] }
        checkFiniteDifferences("mul", [randomTensor([2, 3, 4], seed: 1), randomTensor([2, 1, 4], seed: 2)]) { $0[0] * $0[1] }
        checkFiniteDifferences("div", [randomTensor([2, 3], seed: 1), randomTensor([2, 3], seed: 2, scale: 0.1, offset: 2)]) { $0[0] / $0[1] }
        checkFiniteDifferences("affine", [randomTensor([5], seed: 3)]) { $0[0] * 3 - 1 }
        checkFiniteDifferences("expand", [randomTensor([3, 1], seed: 3)]) { $0[0].expanded(to: [2, 3, 4]) }
    }

    func testProducts() {
        checkFiniteDifferences("matmul", [randomTensor([2, 3, 4], seed: 4), randomTensor([4, 5], seed: 5)]) { $0[0].matmul($0[1]) }
        checkFiniteDifferences("bmm", [randomTensor([2, 3, 4], seed: 4), randomTensor([2, 4, 5], seed: 5)]) { $0[0].matmul($0[1]) }
        checkFiniteDifferences("linear", [randomTensor([3, 6], seed: 6), randomTensor([4, 6], seed: 7), randomTensor([4], seed: 8)]) {
            $0[0].linear($0[1], $0[2])
        }
    }

    func testConvolution() {
        for (k, s, p) in [(3, 1, 1), (1, 1, 0), (3, 2, 1), (2, 1, 0), (5, 2, 2)] {
            checkFiniteDifferences("conv \(k)x\(k) s\(s) p\(p)",
                                   [randomTensor([2, 3, 7, 6], seed: 9), randomTensor([4, 3, k, k], seed: 10, scale: 0.3), randomTensor([4], seed: 11)]) {
                $0[0].conv2d($0[1], $0[2], stride: s, padding: p)
            }
        }
    }

    func testNormalisation() {
        checkFiniteDifferences("groupNorm", [randomTensor([2, 4, 3, 3], seed: 12), randomTensor([4], seed: 13), randomTensor([4], seed: 14)], eps: 3e-3) {
            $0[0].groupNorm(groups: 2, weight: $0[1], bias: $0[2])
        }
        checkFiniteDifferences("layerNorm", [randomTensor([3, 8], seed: 15), randomTensor([8], seed: 16), randomTensor([8], seed: 17)], eps: 3e-3) {
            $0[0].layerNorm(weight: $0[1], bias: $0[2])
        }
    }

    func testActivations() {
        let x = { randomTensor([3, 21], seed: 18, scale: 2) }
        checkFiniteDifferences("softmax", [x()]) { $0[0].softmax() }
        checkFiniteDifferences("gelu erf", [x()]) { $0[0].gelu(.erf) }
        checkFiniteDifferences("gelu tanh", [x()]) { $0[0].gelu(.tanh) }
        checkFiniteDifferences("silu", [x()]) { $0[0].silu() }
        checkFiniteDifferences("sigmoid", [x()]) { $0[0].sigmoid() }
        checkFiniteDifferences("quickGELU", [x()]) { $0[0].quickGELU() }
        checkFiniteDifferences("geglu", [randomTensor([3, 34], seed: 19)]) { $0[0].geglu() }
        checkFiniteDifferences("exp", [x()], eps: 1e-3) { $0[0].exp() }
        let logits = Tensor([1, 2, 3, -1, 0, 1], shape: [2, 3])
        let e = { (x: Double) in Foundation.exp(x) }
        let expected = ((Foundation.log(e(1) + e(2) + e(3)) - 1) + (Foundation.log(e(-1) + e(0) + e(1)) - 1)) / 2
        XCTAssertEqual(Double(logits.crossEntropy(labels: [0, 2]).item), expected, accuracy: 1e-6)
        checkFiniteDifferences("crossEntropy", [randomTensor([4, 7], seed: 20, scale: 3)]) { $0[0].crossEntropy(labels: [0, 6, 3, 3]) }
        // The textbook form −(y·log σ(x) + (1 − y)·log(1 − σ(x))), in Double.
        let xs: [Double] = [2, -1, 12, -12], ys: [Double] = [1, 0.25, 0, 1]
        let bceLogits = Tensor(xs.map(Float.init), shape: [4]), bceTargets = Tensor(ys.map(Float.init), shape: [4])
        let sigma = { (v: Double) in 1 / (1 + Foundation.exp(-v)) }
        let reference = zip(xs, ys).map { -($1 * Foundation.log(sigma($0)) + (1 - $1) * Foundation.log(1 - sigma($0))) }.reduce(0, +) / 4
        XCTAssertEqual(Double(bceLogits.binaryCrossEntropy(targets: bceTargets).item), reference, accuracy: 1e-5)
        let targets = randomTensor([3, 5], seed: 22, scale: 0.5, offset: 0.5)
        checkFiniteDifferences("binaryCrossEntropy", [randomTensor([3, 5], seed: 21, scale: 3)]) { $0[0].binaryCrossEntropy(targets: targets) }
        // points at least 0.03 from the bounds, where the derivative jumps
        checkFiniteDifferences("clamped", [Tensor((0..<30).map { -3.07 + Float($0) * 0.21 }, shape: [30])]) { $0[0].clamped(-1.5, 2) }
        checkFiniteDifferences("padded", [randomTensor([1, 2, 3, 3], seed: 30)]) { $0[0].padded(top: 1, bottom: 0, left: 2, right: 1) }
    }

    func testShapesAndReductions() {
        let x = { randomTensor([2, 3, 4], seed: 20) }
        checkFiniteDifferences("sum", [x()]) { $0[0].sum(axes: [1]) }
        checkFiniteDifferences("mean", [x()]) { $0[0].mean(axes: [0, 2], keepDims: true) }
        checkFiniteDifferences("reshape", [x()]) { $0[0].reshaped([4, 6]) }
        checkFiniteDifferences("permute", [x()]) { $0[0].permuted([2, 0, 1]) }
        checkFiniteDifferences("concat", [x(), randomTensor([2, 1, 4], seed: 21)]) { Tensor.concat($0, axis: 1) }
        checkFiniteDifferences("split", [x()]) { $0[0].split(axis: 2, sizes: [1, 3])[1] }
        checkFiniteDifferences("slice", [x()]) { $0[0].slice(axis: 1, 1..<3) }
        checkFiniteDifferences("upsample", [randomTensor([1, 2, 3, 3], seed: 22)]) { $0[0].upsampleNearest2x() }
    }

    func testEmbeddingLossTimestepsAttention() {
        checkFiniteDifferences("embedding", [randomTensor([5, 3], seed: 23)]) {
            Tensor.embedding($0[0], indices: [4, 0, 4, 2], indexShape: [2, 2])
        }
        let mask = Tensor([1, 0, 1, 1, 0, 1], shape: [1, 6])
        checkFiniteDifferences("maskedMSE", [randomTensor([2, 6], seed: 24), randomTensor([2, 6], seed: 25)]) {
            $0[0].maskedMSE($0[1], mask: mask)
        }
        checkFiniteDifferences("timestepEmbedding", [Tensor([0.5, 3, 11], shape: [3])], eps: 1e-3) {
            Tensor.timestepEmbedding($0[0], dim: 8)
        }
        for causal in [false, true] {
            checkFiniteDifferences("attention causal=\(causal)",
                                   [randomTensor([1, 2, 9, 4], seed: 26), randomTensor([1, 2, 9, 4], seed: 27), randomTensor([1, 2, 9, 3], seed: 28)]) {
                Tensor.attention($0[0], $0[1], $0[2], causal: causal)
            }
        }
    }

    func testDropoutGradientIsItsMask() {
        var rng = StrataRandom(seed: 5)
        let x = randomTensor([1000], seed: 29).requiringGrad()
        let y = x.dropout(p: 0.25, using: &rng)
        y.sum().backward()
        var dropped = 0
        for i in 0..<x.count {
            let g = x.grad!.data[i]
            if y.data[i] == 0 { dropped += 1; XCTAssertEqual(g, 0) }
            else { XCTAssertEqual(y.data[i], x.data[i] / 0.75, accuracy: 1e-5); XCTAssertEqual(g, 1 / 0.75, accuracy: 1e-6) }
        }
        XCTAssertEqual(Double(dropped) / 1000, 0.25, accuracy: 0.05)
    }
}
