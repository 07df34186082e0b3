// Fast kernels against their naive references, on random and odd shapes.
import Foundation
import XCTest
@testable import StrataTensor

final class KernelReferenceTests: XCTestCase {
    func testSgemmMatchesNaiveOnOddShapes() {
        for (m, n, k) in [(1, 1, 1), (7, 13, 5), (33, 17, 65), (64, 3, 129)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = randomTensor([m * k], seed: UInt64(m)), b = randomTensor([k * n], seed: UInt64(n))
                let c1 = randomTensor([m * n], seed: 3), c2 = c1.copy()
                let lda = ta ? m : k, ldb = tb ? k : n
                Gemm.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: lda, b: b.data, ldb: ldb, beta: 2, c: c1.data, ldc: n)
                Gemm.naive(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: lda, b: b.data, ldb: ldb, beta: 2, c: c2.data, ldc: n)
                assertClose(c1, c2, tolerance: 1e-5, "sgemm \(m)x\(n)x\(k) \(ta) \(tb)")
            }
        }
    }

    func testConvolutionPathsMatchDirectLoops() {
        let cases: [([Int], [Int], Int, Int)] = [
            ([2, 5, 9, 7], [6, 5, 3, 3], 1, 1), ([1, 4, 8, 8], [3, 4, 1, 1], 1, 0), ([2, 3, 11, 9], [4, 3, 3, 3], 2, 1),
            ([1, 2, 6, 10], [3, 2, 3, 5], 1, 2), ([1, 3, 13, 13], [2, 3, 4, 4], 3, 0), ([2, 16, 16, 16], [8, 16, 3, 3], 1, 1),
        ]
        for (i, (xs, ws, s, p)) in cases.enumerated() {
            let g = Conv2dGeometry(input: xs, weight: ws, stride: s, padding: p)
            let x = randomTensor(xs, seed: UInt64(10 + i)), w = randomTensor(ws, seed: UInt64(20 + i))
            let yShape = [g.batch, g.outChannels, g.outHeight, g.outWidth]
            let dy = randomTensor(yShape, seed: UInt64(30 + i))
            let fast = Tensor.empty(yShape), ref = Tensor.empty(yShape)
            ConvKernels.forward(g, x: x.data, w: w.data, bias: nil, y: fast.data)
            ConvReference.forward(g, x: x.data, w: w.data, y: ref.data)
            assertClose(fast, ref, tolerance: 1e-5, "conv forward \(xs) \(ws)")
            let dxF = Tensor.empty(xs), dxR = Tensor.empty(xs)
            ConvKernels.backwardData(g, dy: dy.data, w: w.data, dx: dxF.data)
            ConvReference.backwardData(g, dy: dy.data, w: w.data, dx: dxR.data)
            assertClose(dxF, dxR, tolerance: 1e-5, "conv backward data \(xs) \(ws)")
            let dwF = Tensor.empty(ws), dwR = Tensor.empty(ws)
            ConvKernels.backwardWeight(g, x: x.data, dy: dy.data, dw: dwF.data)
            ConvReference.backwardWeight(g, x: x.data, dy: dy.data, dw: dwR.data)
            assertClose(dwF, dwR, tolerance: 1e-5, "conv backward weight \(xs) \(ws)")
        }
    }

    func testBlockedAttentionMatchesFullScoreMatrix() {
        // 300 keys with 9 query blocks exercise partial blocks and the causal mask across blocks.
        for (n, m, causal) in [(1000, 300, false), (300, 300, true), (5, 77, false)] {
            let q = randomTensor([1, 2, n, 8], seed: 1).requiringGrad()
            let k = randomTensor([1, 2, m, 8], seed: 2).requiringGrad()
            let v = randomTensor([1, 2, m, 5], seed: 3).requiringGrad()
            let dO = randomTensor([1, 2, n, 5], seed: 4)
            let fast = Tensor.attention(q, k, v, causal: causal)
            fast.backward(dO)
            let fastGrads = [q.grad!, k.grad!, v.grad!]
            q.grad = nil; k.grad = nil; v.grad = nil
            let ref = AttentionReference.attention(q, k, v, causal: causal)
            ref.backward(dO)
            assertClose(fast, ref, tolerance: 1e-5, "attention \(n)x\(m)")
            for (a, b) in zip(fastGrads, [q.grad!, k.grad!, v.grad!]) { assertClose(a, b, tolerance: 1e-4, "attention gradient \(n)x\(m)") }
        }
    }

    func testVectorMathMatchesFoundation() {
        var worst: [String: Float] = [:]
        var x: Float = -30
        while x < 30 {
            let v = Float16x(repeating: x)
            let pairs: [(String, Float, Float)] = [
                ("exp", VectorMath.exp(v)[0], Foundation.exp(x)),
                ("tanh", VectorMath.tanh(v)[0], Foundation.tanh(x)),
                ("erf", VectorMath.erf(v)[0], Foundation.erf(x)),
                ("sigmoid", VectorMath.sigmoid(v)[0], 1 / (1 + Foundation.exp(-x))),
            ]
            for (name, got, want) in pairs {
                let err = name == "exp" ? abs(got - want) / max(abs(want), .leastNormalMagnitude) : abs(got - want)
                worst[name] = max(worst[name] ?? 0, err)
            }
            x += 0.00731
        }
        XCTAssertLessThan(worst["exp"]!, 3e-7)
        XCTAssertLessThan(worst["tanh"]!, 3e-7)
        XCTAssertLessThan(worst["erf"]!, 3e-7)
        XCTAssertLessThan(worst["sigmoid"]!, 3e-7)
    }

    func testPermuteMatchesIndexArithmetic() {
        let shape = [3, 1, 4, 5, 2]
        let x = randomTensor(shape, seed: 40)
        let order = [4, 2, 0, 3, 1]
        let y = x.permuted(order)
        let xs = x.strides, ys = y.strides
        for i in 0..<y.count {
            var rem = i, src = 0
            for d in 0..<5 { let idx = rem / ys[d]; rem %= ys[d]; src += idx * xs[order[d]] }
            XCTAssertEqual(y.data[i], x.data[src])
        }
    }
}
