import XCTest
@testable import StrataTensor

final class AutogradTests: XCTestCase {
    func testGradientsAccumulateOverSharedUses() {
        let x = Tensor([1, 2, 3], shape: [3]).requiringGrad()
        let y = (x * x + x * 3).sum()  // dy/dx = 2x + 3
        y.backward()
        XCTAssertEqual(x.grad!.scalars, [5, 7, 9])
    }

    func testNoGradModeRecordsNothing() {
        let w = randomTensor([4, 4], seed: 1).requiringGrad()
        let y = GradMode.disabled { randomTensor([2, 4], seed: 2).linear(w).silu() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.node)
    }

    func testCheckpointGivesTheSameGradientsAsPlainBackward() {
        let x = randomTensor([2, 3, 6, 6], seed: 3).requiringGrad()
        let w = randomTensor([3, 3, 3, 3], seed: 4, scale: 0.3).requiringGrad()
        let b = randomTensor([3], seed: 5).requiringGrad()
        let block: ([Tensor]) -> Tensor = { $0[0].conv2d(w, b, padding: 1).groupNorm(groups: 1, weight: nil, bias: nil).silu() }
        block([x]).sum().backward()
        let plain = [x.grad!, w.grad!, b.grad!]
        x.grad = nil; w.grad = nil; b.grad = nil
        let out = Tensor.checkpoint([x], block)
        XCTAssertEqual(out.node?.name, "checkpoint")
        out.sum().backward()
        for (a, c) in zip([x.grad!, w.grad!, b.grad!], plain) { assertClose(a, c, tolerance: 1e-6, "checkpoint") }
    }

    func testGradientReadyHookFiresOncePerLeafAfterAllUses() {
        let w = Tensor([2], shape: [1]).requiringGrad()
        var seen: [Float] = []
        w.onGradientReady = { seen.append($0.grad!.item) }
        let x = Tensor([1, 2], shape: [2])
        ((x * w).sum() + (x * w * w).sum()).backward()  // d/dw = Σx + 2wΣx = 3 + 12
        XCTAssertEqual(seen, [15])
    }

    func testGraphIsFreedAfterBackward() {
        weak var weakIntermediate: Tensor?
        let x = Tensor([1, 2], shape: [2]).requiringGrad()
        do {
            let mid = x * 2
            weakIntermediate = mid
            (mid / mid.detached()).sum().backward()
        }
        XCTAssertNil(weakIntermediate, "intermediates must not outlive their graph")
    }

    func testSeededRandomIsReproducibleAndNormal() {
        var a = StrataRandom(seed: 42), b = StrataRandom(seed: 42), c = StrataRandom(seed: 43)
        let x = Tensor.randn([20000], using: &a), y = Tensor.randn([20000], using: &b), z = Tensor.randn([4], using: &c)
        XCTAssertEqual(x.scalars, y.scalars)
        XCTAssertNotEqual(Array(x.scalars.prefix(4)), z.scalars)
        let mean = x.mean().item, variance = (x * x).mean().item - mean * mean
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(variance, 1, accuracy: 0.04)
        // xoshiro256** reference output for the state SplitMix64(0) gives (Vigna's C code).
        var r = StrataRandom(seed: 0)
        XCTAssertEqual(r.nextUInt64(), 0x99EC_5F36_CB75_F2B4)
    }
}

final class AttentionMemoryTests: XCTestCase {
    /// 4096-token self-attention, 8 heads of 40, batch 2: forward and backward hold at most
    /// 64 MB beyond inputs, output and gradients (the full score matrix alone would be 1 GB).
    func testLongSelfAttentionStaysWithinWorkingMemoryBound() {
        let shape = [2, 8, 4096, 40]
        let q = randomTensor(shape, seed: 1).requiringGrad(), k = randomTensor(shape, seed: 2).requiringGrad()
        let v = randomTensor(shape, seed: 3).requiringGrad(), g = randomTensor(shape, seed: 4)
        let tensorBytes = Tensor.elementCount(shape) * 4
        BufferPool.shared.resetPeak()
        let before = BufferPool.shared.liveBytes
        let out = Tensor.attention(q, k, v)
        out.backward(g)
        let extra = BufferPool.shared.peakLiveBytes - before
        let allowed = 4 * tensorBytes + 64 << 20  // output, three gradients, 64 MB of work
        XCTAssertLessThanOrEqual(extra, allowed, "peak beyond inputs: \(extra >> 20) MB")
        XCTAssertNotNil(q.grad); XCTAssertNotNil(k.grad); XCTAssertNotNil(v.grad)
        print("attention 4096 tokens: working memory \((extra - 4 * tensorBytes) >> 10) KB beyond output and gradients")
    }
}

final class TorchRandomTests: XCTestCase {
    /// torch.manual_seed(s); torch.randn(n) for sizes below, at and above the 16-value block.
    func testReproducesPyTorchsCPUGenerator() throws {
        let f = try Fixtures.op("torch_randn")
        for seed: UInt64 in [0, 42, (1 << 32) + 5] {
            for n in [1, 2, 7, 15, 16, 17, 33, 1000, 4 * 16 * 16] {
                var rng = TorchRandom(seed: seed)
                let ours = Tensor.randn([n], using: &rng)
                assertClose(ours, try f.tensor("seed\(seed)_n\(n)"), tolerance: 2e-6, "seed \(seed), \(n) values")
            }
        }
        var rng = TorchRandom(seed: 7)
        assertClose(Tensor.randn([5], using: &rng), try f.tensor("seq_a"), tolerance: 2e-6, "first draw")
        assertClose(Tensor.randn([20], using: &rng), try f.tensor("seq_b"), tolerance: 2e-6, "second draw")
    }
}
