// Every operation's forward output and input gradients against PyTorch
// (Fixtures/ops, written by scripts/make_tensor_fixtures.py).
import XCTest
@testable import StrataTensor

final class OperationFixtureTests: XCTestCase {
    func testBroadcastingArithmetic() throws {
        try checkAgainstFixture("add") { x, _ in x[0] + x[1] }
        try checkAgainstFixture("sub") { x, _ in x[0] - x[1] }
        try checkAgainstFixture("mul") { x, _ in x[0] * x[1] }
        try checkAgainstFixture("div") { x, _ in x[0] / x[1] }
        try checkAgainstFixture("affine") { x, _ in x[0] * 1.5 - 0.25 }
    }

    func testMatrixProducts() throws {
        try checkAgainstFixture("matmul") { x, _ in x[0].matmul(x[1]) }
        try checkAgainstFixture("bmm") { x, _ in x[0].matmul(x[1]) }
        try checkAgainstFixture("linear") { x, _ in x[0].linear(x[1], x[2]) }
        try checkAgainstFixture("linear_nobias") { x, _ in x[0].linear(x[1]) }
    }

    func testConvolutions() throws {
        for name in ["conv3x3", "conv1x1", "conv3x3_stride2", "conv5x3_pad2", "conv4x4_stride3_pad0"] {
            try checkAgainstFixture(name) { x, s in
                x[0].conv2d(x[1], x[2], stride: s["stride"] as! Int, padding: s["padding"] as! Int)
            }
        }
    }

    func testNormalisation() throws {
        try checkAgainstFixture("group_norm") { x, _ in x[0].groupNorm(groups: 4, weight: x[1], bias: x[2], eps: 1e-5) }
        try checkAgainstFixture("group_norm_plain") { x, _ in x[0].groupNorm(groups: 2, weight: nil, bias: nil, eps: 1e-6) }
        try checkAgainstFixture("layer_norm") { x, _ in x[0].layerNorm(weight: x[1], bias: x[2], eps: 1e-5) }
    }

    func testActivations() throws {
        try checkAgainstFixture("softmax") { x, _ in x[0].softmax() }
        try checkAgainstFixture("gelu_erf") { x, _ in x[0].gelu(.erf) }
        try checkAgainstFixture("gelu_tanh") { x, _ in x[0].gelu(.tanh) }
        try checkAgainstFixture("silu") { x, _ in x[0].silu() }
        try checkAgainstFixture("sigmoid") { x, _ in x[0].sigmoid() }
        try checkAgainstFixture("quick_gelu") { x, _ in x[0].quickGELU() }
        try checkAgainstFixture("geglu") { x, _ in x[0].geglu() }
        try checkAgainstFixture("exp") { x, _ in x[0].exp() }
        try checkAgainstFixture("clamp") { x, _ in x[0].clamped(-1.5, 2) }
        try checkAgainstFixture("pad") { x, _ in x[0].padded(top: 2, bottom: 1, left: 0, right: 1) }
    }

    func testReductionsAndShapes() throws {
        try checkAgainstFixture("sum_axes") { x, _ in x[0].sum(axes: [1, 3]) }
        try checkAgainstFixture("mean_keep") { x, _ in x[0].mean(axes: [0, 2], keepDims: true) }
        try checkAgainstFixture("sum_all") { x, _ in x[0].sum() }
        try checkAgainstFixture("reshape") { x, _ in x[0].reshaped([6, -1]) }
        try checkAgainstFixture("permute") { x, _ in x[0].permuted([0, 2, 3, 1]) }
        try checkAgainstFixture("concat") { x, _ in Tensor.concat([x[0], x[1]], axis: 1) }
        try checkAgainstFixture("slice") { x, _ in x[0].slice(axis: 2, 1..<3) }
        try checkAgainstFixture("split_second") { x, _ in x[0].split(axis: -1, sizes: [2, 3])[1] }
        try checkAgainstFixture("upsample_nearest2x") { x, _ in x[0].upsampleNearest2x() }
    }

    func testEmbeddingLossAndTimesteps() throws {
        try checkAgainstFixture("embedding") { x, _ in
            Tensor.embedding(x[0], indices: x[1].scalars.map { Int($0) }, indexShape: x[1].shape)
        }
        try checkAgainstFixture("masked_mse") { x, _ in x[0].maskedMSE(x[1], mask: x[2]) }
        try checkAgainstFixture("timestep_embedding") { x, _ in Tensor.timestepEmbedding(x[0], dim: 32) }
        try checkAgainstFixture("timestep_embedding_noflip") { x, _ in
            Tensor.timestepEmbedding(x[0], dim: 17, flipSinToCos: false, downscaleFreqShift: 1)
        }
    }

    func testAttention() throws {
        try checkAgainstFixture("attention") { x, _ in Tensor.attention(x[0], x[1], x[2]) }
        try checkAgainstFixture("attention_causal") { x, _ in Tensor.attention(x[0], x[1], x[2], causal: true) }
    }

    func testAdamMatchesPyTorch() throws {
        for (name, decay) in [("adam", Float(0)), ("adamw", Float(0.1))] {
            let f = try Fixtures.op(name)
            let p = try f.tensor("p0").requiringGrad()
            let opt = Adam([p], learningRate: 1e-2, weightDecay: decay)
            for i in 0..<4 {
                let t = try f.tensor("target\(i)")
                let d = p - t
                (d * d).sum().backward()
                opt.step()
            }
            assertClose(p, try f.tensor("p_final"), tolerance: 1e-5, name)
        }
    }

    /// Clipping scales all gradients by one factor, PyTorch's max / (norm + 1e-6), only
    /// when their joint norm exceeds the bound; the norm returned is the one before.
    func testGradientClippingScalesTheJointNorm() {
        let a = Tensor([0], shape: [1]).requiringGrad(), b = Tensor([0, 0], shape: [2]).requiringGrad()
        let opt = Adam([a, b])
        a.grad = Tensor([3], shape: [1]); b.grad = Tensor([0, 4], shape: [2])
        XCTAssertEqual(opt.clipGradientNorm(10), 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.scalars + b.grad!.scalars, [3, 0, 4])
        XCTAssertEqual(opt.clipGradientNorm(1), 5, accuracy: 1e-6)
        let factor: Float = 1 / (5 + 1e-6)
        XCTAssertEqual(a.grad!.scalars[0], 3 * factor, accuracy: 1e-7)
        XCTAssertEqual(b.grad!.scalars[1], 4 * factor, accuracy: 1e-7)
        XCTAssertEqual(opt.clipGradientNorm(1), 1, accuracy: 1e-5)
    }

    /// A parameter's rate scale gives the steps a separate optimiser at the scaled rate
    /// takes, whether updates run after the backward pass or during it.
    func testAdamsRateScalesActAsSeparateOptimisers() throws {
        let f = try Fixtures.op("adam")
        for during in [false, true] {
            let a = try f.tensor("p0").requiringGrad(), b = try f.tensor("p0").requiringGrad()
            let c = try f.tensor("p0").requiringGrad()
            let joint = Adam([a, b], learningRate: 1e-2)
            joint.learningRateScales[1] = 3
            let alone = Adam([c], learningRate: 3e-2)
            if during { joint.updateDuringBackward(); alone.updateDuringBackward() }
            for i in 0..<4 {
                let t = try f.tensor("target\(i)")
                if during { joint.beginStep(); alone.beginStep() }
                let da = a - t, db = b - t, dc = c - t  // each parameter read once
                ((da * da).sum() + (db * db).sum()).backward()
                (dc * dc).sum().backward()
                if !during { joint.step(); alone.step() }
            }
            assertClose(a, try f.tensor("p_final"), tolerance: 1e-5, "unscaled")
            XCTAssertEqual(b.scalars, c.scalars)
            XCTAssertNotEqual(a.scalars, b.scalars)
        }
    }

    func testHalfPrecisionRoundingMatchesPyTorch() throws {
        let f = try Fixtures.op("half_precision")
        let values = try f.tensor("values")
        let fp16 = try f.integers("fp16_bits"), bf16 = try f.integers("bf16_bits")
        for i in 0..<values.count {
            let v = values.data[i]
            XCTAssertEqual(HalfPrecision.fp16Bits(v), UInt16(truncatingIfNeeded: fp16[i]), "fp16 of \(v)")
            XCTAssertEqual(HalfPrecision.bf16Bits(v), UInt16(truncatingIfNeeded: bf16[i]), "bf16 of \(v)")
        }
    }
}
