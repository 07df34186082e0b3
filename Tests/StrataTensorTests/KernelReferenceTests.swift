// Fast kernels against their naive references, on random and odd shapes.
import CStrata
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
                // beta 0 ignores what C held, NaN included, also with rows of C further apart than n.
                let c3 = Tensor(repeating: .nan, shape: [m * (n + 2)]), c4 = Tensor(zeros: [m * (n + 2)])
                Gemm.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: lda, b: b.data, ldb: ldb, c: c3.data, ldc: n + 2)
                Gemm.naive(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a.data, lda: lda, b: b.data, ldb: ldb, c: c4.data, ldc: n + 2)
                for i in 0..<m { for j in 0..<n { XCTAssertEqual(c3.data[i * (n + 2) + j], c4.data[i * (n + 2) + j], accuracy: 1e-5) } }
                XCTAssertTrue(c3.data[n].isNaN, "sgemm wrote outside the rows of C")
            }
        }
    }

    func testConvolutionPathsMatchDirectLoops() {
        let cases: [([Int], [Int], Int, Int)] = [
            ([2, 5, 9, 7], [6, 5, 3, 3], 1, 1), ([1, 4, 8, 8], [3, 4, 1, 1], 1, 0), ([2, 3, 11, 9], [4, 3, 3, 3], 2, 1),
            ([1, 2, 6, 10], [3, 2, 3, 5], 1, 2), ([1, 3, 13, 13], [2, 3, 4, 4], 3, 0), ([2, 16, 16, 16], [8, 16, 3, 3], 1, 1), ([3, 40, 6, 6], [36, 40, 3, 3], 1, 1), ([3, 4, 40, 40], [5, 4, 3, 3], 1, 1),
            ([1, 2, 5, 70], [3, 2, 3, 3], 1, 1), ([1, 2, 5, 140], [3, 2, 3, 3], 2, 1),
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

    func testWinogradMatchesDirectLoopsOnEvenAndOddSizes() {
        for (i, (c, k, h, w)) in [(32, 40, 8, 8), (33, 32, 9, 7), (64, 48, 5, 12)].enumerated() {
            let g = Conv2dGeometry(input: [2, c, h, w], weight: [k, c, 3, 3], stride: 1, padding: 1)
            XCTAssertTrue(Winograd.handles(g))
            let x = randomTensor([2, c, h, w], seed: UInt64(50 + i)), wt = randomTensor([k, c, 3, 3], seed: UInt64(60 + i))
            let dy = randomTensor([2, k, h, w], seed: UInt64(70 + i))
            let fast = Tensor.empty([2, k, h, w]), ref = Tensor.empty([2, k, h, w])
            Winograd.forward(g, x: x.data, w: wt.data, y: fast.data)
            ConvReference.forward(g, x: x.data, w: wt.data, y: ref.data)
            assertClose(fast, ref, tolerance: 1e-5, "winograd forward \(c)→\(k) \(h)×\(w)")
            let dxF = Tensor.empty(x.shape), dxR = Tensor.empty(x.shape)
            Winograd.backwardData(g, dy: dy.data, w: wt.data, dx: dxF.data)
            ConvReference.backwardData(g, dy: dy.data, w: wt.data, dx: dxR.data)
            assertClose(dxF, dxR, tolerance: 1e-5, "winograd backward data")
            let dwF = Tensor.empty(wt.shape), dwR = Tensor.empty(wt.shape)
            Winograd.backwardWeight(g, x: x.data, dy: dy.data, dw: dwF.data)
            ConvReference.backwardWeight(g, x: x.data, dy: dy.data, dw: dwR.data)
            assertClose(dwF, dwR, tolerance: 1e-5, "winograd backward weight")
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

    func testVectorKernelsMatchTheirScalarReference() {
        // 40 000 points over [-30, 30] plus the odd tail length.
        let n = 40_003
        let x = Tensor((0..<n).map { Float($0) / Float(n) * 60 - 30 }, shape: [n])
        let g = randomTensor([n], seed: 9)
        let sig = Tensor((0..<n).map { Float($0) / Float(n) }, shape: [n])  // sigmoid outputs in (0, 1)
        let ops: [(String, Int32, Tensor)] = [
            ("silu", UnaryOp.siluForward, x), ("silu'", UnaryOp.siluBackward, x),
            ("sigmoid", UnaryOp.sigmoidForward, x), ("sigmoid'", UnaryOp.sigmoidBackward, sig),
            ("gelu", UnaryOp.geluErfForward, x), ("gelu'", UnaryOp.geluErfBackward, x),
            ("gelu tanh", UnaryOp.geluTanhForward, x), ("gelu tanh'", UnaryOp.geluTanhBackward, x),
            ("quick gelu", UnaryOp.quickGELUForward, x), ("quick gelu'", UnaryOp.quickGELUBackward, x),
        ]
        for isa in Self.fastPaths {
            for (name, op, input) in ops {
                let fast = Tensor.empty([n]), ref = Tensor.empty([n])
                cstrata_unary(op, isa, input.data, g.data, fast.data, n)
                cstrata_unary(op, Int32(CSTRATA_ISA_REFERENCE), input.data, g.data, ref.data, n)
                var worst: Float = 0
                for i in 0..<n { worst = max(worst, abs(fast.data[i] - ref.data[i]) / max(1, abs(ref.data[i]))) }
                XCTAssertLessThan(worst, 1e-5, "\(name), path \(isa)")  // tanh GELU's 1 − t² loses ~5e-6 in fp32 on both paths
            }
            // exp with a shift, relative error
            let fast = Tensor.empty([n]), ref = Tensor.empty([n])
            var shift: Float = 1.5
            cstrata_unary(Int32(CSTRATA_EXP_SHIFTED), isa, x.data, &shift, fast.data, n)
            cstrata_unary(Int32(CSTRATA_EXP_SHIFTED), Int32(CSTRATA_ISA_REFERENCE), x.data, &shift, ref.data, n)
            var worst: Float = 0
            for i in 0..<n { worst = max(worst, abs(fast.data[i] - ref.data[i]) / ref.data[i]) }
            XCTAssertLessThan(worst, 3e-7, "exp, path \(isa)")
        }
    }

    /// The vector paths compared with the scalar reference: the best this CPU has, and
    /// AVX2 at most (the same as the best on a CPU without AVX-512).
    static let fastPaths = [Int32(CSTRATA_ISA_BEST), Int32(CSTRATA_ISA_AVX2)]

    func testVectorGEGLUAndSoftmaxMatchTheirScalarReference() {
        for isa in Self.fastPaths {
            let rows = 7, d = 37
            let x = randomTensor([rows, 2 * d], seed: 1, scale: 3), g = randomTensor([rows, d], seed: 2)
            let yF = Tensor.empty([rows, d]), yR = Tensor.empty([rows, d])
            cstrata_geglu_fwd(isa, x.data, yF.data, rows, d)
            cstrata_geglu_fwd(Int32(CSTRATA_ISA_REFERENCE), x.data, yR.data, rows, d)
            assertClose(yF, yR, tolerance: 1e-6, "geglu forward")
            let dF = Tensor.empty([rows, 2 * d]), dR = Tensor.empty([rows, 2 * d])
            cstrata_geglu_bwd(isa, x.data, g.data, dF.data, rows, d)
            cstrata_geglu_bwd(Int32(CSTRATA_ISA_REFERENCE), x.data, g.data, dR.data, rows, d)
            assertClose(dF, dR, tolerance: 1e-6, "geglu backward")
            for n in [1, 16, 77, 4096] {
                let a = randomTensor([n], seed: UInt64(n), scale: 10), b = a.copy()
                let la = cstrata_softmax_row(isa, a.data, n)
                let lb = cstrata_softmax_row(Int32(CSTRATA_ISA_REFERENCE), b.data, n)
                assertClose(a, b, tolerance: 1e-6, "softmax \(n)")
                XCTAssertEqual(la, lb, accuracy: 1e-5 * max(1, abs(lb)))
            }
            let masked = Tensor(repeating: -.infinity, shape: [5])
            XCTAssertEqual(cstrata_softmax_row(isa, masked.data, 5), -.infinity)
            XCTAssertEqual(masked.scalars, [0, 0, 0, 0, 0])
        }
    }

    func testAdamKernelPathsGiveTheScalarReferencesValues() {
        for n in [1, 8, 37, 70_001] {
            let p = randomTensor([n], seed: 1), g = randomTensor([n], seed: 2)
            let m = randomTensor([n], seed: 3), v = randomTensor([n], seed: 4)
            for i in 0..<n { v.data[i] = abs(v.data[i]) }
            let c = CStrataAdamStep(beta1: 0.9, beta2: 0.999, bias2_root: 0.1, eps: 1e-8, decay: 0.999, step_size: 0.01)
            let (pr, mr, vr) = (p.copy(), m.copy(), v.copy())
            Adam.update(pr.data, g.data, mr.data, vr.data, count: n, c, isa: Int32(CSTRATA_ISA_REFERENCE))
            for isa in Self.fastPaths {
                let (pf, mf, vf) = (p.copy(), m.copy(), v.copy())
                Adam.update(pf.data, g.data, mf.data, vf.data, count: n, c, isa: isa)
                XCTAssertEqual(pf.scalars, pr.scalars, "parameters, \(n) values")
                XCTAssertEqual(mf.scalars, mr.scalars, "first moments, \(n) values")
                XCTAssertEqual(vf.scalars, vr.scalars, "second moments, \(n) values")
            }
            // The reference itself, against the formula in double precision.
            for i in Swift.stride(from: 0, to: n, by: max(1, n / 50)) {
                let gd = Double(g.data[i]), md = 0.9 * Double(m.data[i]) + 0.1 * gd, vd = 0.999 * Double(v.data[i]) + 0.001 * gd * gd
                let pd = Double(p.data[i]) * 0.999 - 0.01 * md / (vd.squareRoot() / 0.1 + 1e-8)
                XCTAssertEqual(Double(pr.data[i]), pd, accuracy: 1e-5 * max(1, abs(pd)), "parameter \(i) of \(n)")
            }
        }
    }

    func testAttentionProductKernelsMatchTheirScalarReference() {
        let ref = Int32(CSTRATA_ISA_REFERENCE)
        for best in Self.fastPaths {
            for (rows, keys, d) in [(13, 77, 40), (6, 64, 8), (25, 40, 8), (1, 130, 3), (20, 5, 160), (9, 24, 32), (4, 1, 5)] {
                let q = randomTensor([rows, d], seed: 1), kt = randomTensor([d, keys], seed: 2)
                let sF = Tensor(zeros: [rows, keys + 3]), sR = Tensor(zeros: [rows, keys + 3])
                cstrata_attention_scores(best, q.data, rows, d, kt.data, keys, 0.3, sF.data, keys + 3)
                cstrata_attention_scores(ref, q.data, rows, d, kt.data, keys, 0.3, sR.data, keys + 3)
                assertClose(sF, sR, tolerance: 1e-5, "scores \(rows)×\(keys)×\(d)")
                // P (rows × keys) times V (keys × width) and Pᵀ (keys × rows) times X (rows × width), accumulating.
                for width in [d, 100] {
                    let p = randomTensor([rows, keys], seed: 3), v = randomTensor([keys, width], seed: 4), x = randomTensor([rows, width], seed: 5)
                    let oF = randomTensor([rows, width], seed: 6), oR = oF.copy()
                    cstrata_attention_values(best, p.data, rows, keys, 1, v.data, keys, width, oF.data, width, 0.5, 1)
                    cstrata_attention_values(ref, p.data, rows, keys, 1, v.data, keys, width, oR.data, width, 0.5, 1)
                    assertClose(oF, oR, tolerance: 1e-5, "values \(rows)×\(keys)×\(width)")
                    let tF = Tensor(zeros: [keys, width]), tR = Tensor(zeros: [keys, width])
                    cstrata_attention_values(best, p.data, keys, 1, keys, x.data, rows, width, tF.data, width, 1, 0)
                    cstrata_attention_values(ref, p.data, keys, 1, keys, x.data, rows, width, tR.data, width, 1, 0)
                    assertClose(tF, tR, tolerance: 1e-5, "transposed values \(keys)×\(rows)×\(width)")
                }
            }
        }
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
