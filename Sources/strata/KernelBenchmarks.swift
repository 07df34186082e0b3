// The cases `strata bench kernels` times: Stable Diffusion 1.5 UNet shapes at batch 2.
// Each case prepares its inputs once and hands back the closure to time, so the
// executable only measures and prints. The same cases, by name and shape, are timed in
// PyTorch by the bench command's script.
import Foundation
import StrataModels
import StrataTensor

public struct KernelBenchmarkCase {
    public let op: String
    public let shape: String
    /// Floating-point operations of one run (the direct algorithm's count), or nil for memory-bound ops.
    public let flops: Double?
    /// Bytes read and written by one run, for memory-bound ops.
    public let bytes: Double?
    /// Parameters for the PyTorch side: kind plus sizes.
    public let torchSpec: [String: JSONValue]
    /// Builds inputs and returns the work to time.
    public let prepare: () -> () -> Void
}

public enum KernelBenchmarks {
    public static let convShapes: [(c: Int, hw: Int)] = [(320, 64), (640, 32), (1280, 16), (1280, 8)]
    public static let gegluShapes: [(tokens: Int, inner: Int)] = [(4096, 1280), (1024, 2560), (256, 5120), (64, 5120)]

    /// Strata's own product (split across its threads) at the same size, beside the peak.
    public static func sgemmStrata(size n: Int = 4096) -> KernelBenchmarkCase {
        KernelBenchmarkCase(op: "sgemm", shape: "\(n)x\(n)x\(n)", flops: 2 * pow(Double(n), 3), bytes: nil,
                            torchSpec: ["kind": "sgemm", "n": .int(n)]) {
            let a = randomValues([n, n], 1), b = randomValues([n, n], 2), c = Tensor.empty([n, n])
            return { Gemm.sgemm(transA: false, transB: false, m: n, n: n, k: n, a: a.data, lda: n, b: b.data, ldb: n, c: c.data, ldc: n) }
        }
    }

    public static func sgemmPeak(size n: Int = 4096) -> KernelBenchmarkCase {
        KernelBenchmarkCase(op: "sgemm", shape: "\(n)x\(n)x\(n)", flops: 2 * pow(Double(n), 3), bytes: nil,
                            torchSpec: ["kind": "sgemm", "n": .int(n)]) {
            let a = randomValues([n, n], 1), b = randomValues([n, n], 2), c = Tensor.empty([n, n])
            // Raw cblas_sgemm with OpenBLAS's own threads: the machine's peak, not Strata's split.
            return { Engine.withOpenBLASThreads(Engine.threads) { Gemm.raw(false, false, n, n, n, 1, a.data, n, b.data, n, 0, c.data, n) } }
        }
    }

    public static func all() -> [KernelBenchmarkCase] {
        var cases: [KernelBenchmarkCase] = [sgemmStrata()]
        for (c, hw) in convShapes {
            let shape = "2x\(c)x\(hw)x\(hw) k3"
            let flops = 2.0 * 2 * Double(c * c * 9 * hw * hw)
            let spec: [String: JSONValue] = ["n": 2, "c": .int(c), "hw": .int(hw)]
            cases.append(.init(op: "conv3x3_fwd", shape: shape, flops: flops, bytes: nil, torchSpec: spec.merging(["kind": "conv_fwd"]) { a, _ in a }) {
                let x = randomValues([2, c, hw, hw], 1), w = randomValues([c, c, 3, 3], 2, scale: 0.02), b = randomValues([c], 3)
                return { _ = GradMode.disabled { x.conv2d(w, b, padding: 1) } }
            })
            cases.append(.init(op: "conv3x3_bwd_data", shape: shape, flops: flops, bytes: nil, torchSpec: spec.merging(["kind": "conv_bwd_data"]) { a, _ in a }) {
                let g = Conv2dGeometry(input: [2, c, hw, hw], weight: [c, c, 3, 3], stride: 1, padding: 1)
                let dy = randomValues([2, c, hw, hw], 1), w = randomValues([c, c, 3, 3], 2, scale: 0.02), dx = Tensor.empty([2, c, hw, hw])
                return { ConvKernels.backwardData(g, dy: dy.data, w: w.data, dx: dx.data) }
            })
            cases.append(.init(op: "conv3x3_bwd_weight", shape: shape, flops: flops, bytes: nil, torchSpec: spec.merging(["kind": "conv_bwd_weight"]) { a, _ in a }) {
                let g = Conv2dGeometry(input: [2, c, hw, hw], weight: [c, c, 3, 3], stride: 1, padding: 1)
                let dy = randomValues([2, c, hw, hw], 1), x = randomValues([2, c, hw, hw], 2), dw = Tensor.empty([c, c, 3, 3])
                return { ConvKernels.backwardWeight(g, x: x.data, dy: dy.data, dw: dw.data) }
            })
        }
        for (name, keys) in [("self_attention", 4096), ("cross_attention", 77)] {
            let shape = "2x8x4096x40 keys \(keys)"
            let fwd = 4.0 * 2 * 8 * 4096 * Double(keys) * 40
            let spec: [String: JSONValue] = ["b": 2, "h": 8, "n": 4096, "m": .int(keys), "d": 40]
            cases.append(.init(op: name + "_fwd", shape: shape, flops: fwd, bytes: nil, torchSpec: spec.merging(["kind": "attn_fwd"]) { a, _ in a }) {
                let q = randomValues([2, 8, 4096, 40], 1), k = randomValues([2, 8, keys, 40], 2), v = randomValues([2, 8, keys, 40], 3)
                return { _ = GradMode.disabled { Tensor.attention(q, k, v) } }
            })
            cases.append(.init(op: name + "_bwd", shape: shape, flops: 2.5 * fwd, bytes: nil, torchSpec: spec.merging(["kind": "attn_bwd"]) { a, _ in a }) {
                let q = randomValues([2, 8, 4096, 40], 1).requiringGrad(), k = randomValues([2, 8, keys, 40], 2).requiringGrad()
                let v = randomValues([2, 8, keys, 40], 3).requiringGrad()
                return backwardOnly(Tensor.attention(q, k, v), seed: 4)
            })
        }
        for (c, hw) in convShapes {
            let shape = "2x\(c)x\(hw)x\(hw) g32"
            let bytes = Double(2 * c * hw * hw * 4)
            let spec: [String: JSONValue] = ["n": 2, "c": .int(c), "hw": .int(hw)]
            cases.append(.init(op: "group_norm_fwd", shape: shape, flops: nil, bytes: 2 * bytes, torchSpec: spec.merging(["kind": "gn_fwd"]) { a, _ in a }) {
                let x = randomValues([2, c, hw, hw], 1), w = randomValues([c], 2), b = randomValues([c], 3)
                return { _ = GradMode.disabled { x.groupNorm(groups: 32, weight: w, bias: b) } }
            })
            cases.append(.init(op: "group_norm_bwd", shape: shape, flops: nil, bytes: 3 * bytes, torchSpec: spec.merging(["kind": "gn_bwd"]) { a, _ in a }) {
                let x = randomValues([2, c, hw, hw], 1).requiringGrad(), w = randomValues([c], 2).requiringGrad(), b = randomValues([c], 3).requiringGrad()
                return backwardOnly(x.groupNorm(groups: 32, weight: w, bias: b), seed: 4)
            })
        }
        for (tokens, inner) in gegluShapes {
            let shape = "2x\(tokens)x\(2 * inner)"
            let bytes = Double(2 * tokens * inner * 4)
            let spec: [String: JSONValue] = ["b": 2, "t": .int(tokens), "inner": .int(inner)]
            cases.append(.init(op: "geglu_fwd", shape: shape, flops: nil, bytes: 3 * bytes, torchSpec: spec.merging(["kind": "geglu_fwd"]) { a, _ in a }) {
                let x = randomValues([2, tokens, 2 * inner], 1)
                return { _ = GradMode.disabled { x.geglu() } }
            })
            cases.append(.init(op: "geglu_bwd", shape: shape, flops: nil, bytes: 5 * bytes, torchSpec: spec.merging(["kind": "geglu_bwd"]) { a, _ in a }) {
                let x = randomValues([2, tokens, 2 * inner], 1).requiringGrad()
                return backwardOnly(x.geglu(), seed: 2)
            })
        }
        for (c, hw) in convShapes {
            let shape = "2x\(c)x\(hw)x\(hw)"
            let bytes = Double(2 * c * hw * hw * 4)
            let spec: [String: JSONValue] = ["n": 2, "c": .int(c), "hw": .int(hw)]
            cases.append(.init(op: "silu_fwd", shape: shape, flops: nil, bytes: 2 * bytes, torchSpec: spec.merging(["kind": "silu_fwd"]) { a, _ in a }) {
                let x = randomValues([2, c, hw, hw], 1)
                return { _ = GradMode.disabled { x.silu() } }
            })
            cases.append(.init(op: "silu_bwd", shape: shape, flops: nil, bytes: 3 * bytes, torchSpec: spec.merging(["kind": "silu_bwd"]) { a, _ in a }) {
                let x = randomValues([2, c, hw, hw], 1).requiringGrad()
                return backwardOnly(x.silu(), seed: 2)
            })
        }
        return cases
    }

    /// The recorded backward rule of `output`, to be run repeatedly with a fixed upstream gradient.
    static func backwardOnly(_ output: Tensor, seed: UInt64) -> () -> Void {
        let g = randomValues(output.shape, seed)
        let rule = output.node!.backward!
        return { _ = rule(g) }
    }

    static func randomValues(_ shape: [Int], _ seed: UInt64, scale: Float = 1) -> Tensor {
        var rng = StrataRandom(seed: seed)
        let t = Tensor.uniform(shape, low: -scale, high: scale, using: &rng)
        return t
    }
}
