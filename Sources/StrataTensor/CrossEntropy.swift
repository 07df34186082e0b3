// Softmax cross-entropy over the last axis, fused: the mean over rows of
// −log softmax(logits)[label], with gradient (softmax − one-hot)/rows. Computed with the
// row maximum subtracted, so large logits do not overflow.
import Foundation

extension Tensor {
    /// Mean cross-entropy of logits [rows, classes] against one class index per row.
    public func crossEntropy(labels: [Int]) -> Tensor {
        precondition(rank == 2 && shape[0] == labels.count, "crossEntropy: logits \(shape) for \(labels.count) labels")
        let rows = shape[0], classes = shape[1]
        let probabilities = Tensor(zeros: shape)
        var total = 0.0
        for r in 0..<rows {
            precondition(labels[r] >= 0 && labels[r] < classes, "crossEntropy: label \(labels[r]) outside 0..<\(classes)")
            let x = data + r * classes, p = probabilities.data + r * classes
            var top = -Float.infinity
            for c in 0..<classes { top = Swift.max(top, x[c]) }
            var sum = 0.0
            for c in 0..<classes { let e = Foundation.exp(Double(x[c] - top)); p[c] = Float(e); sum += e }
            for c in 0..<classes { p[c] = Float(Double(p[c]) / sum) }
            total += Foundation.log(sum) - Double(x[labels[r]] - top)
        }
        let out = Tensor([Float(total / Double(rows))], shape: [])
        return Tensor.record("crossEntropy", out, inputs: [self]) { g in
            let dx = Tensor(zeros: probabilities.shape)
            let scale = g.data[0] / Float(rows)
            for r in 0..<rows {
                for c in 0..<classes { dx.data[r * classes + c] = probabilities.data[r * classes + c] * scale }
                dx.data[r * classes + labels[r]] -= scale
            }
            return [dx]
        }
    }
}

extension Tensor {
    /// Mean binary cross-entropy of logits against targets in [0, 1] of the same shape,
    /// as PyTorch's binary_cross_entropy_with_logits: max(x, 0) − x·y + log(1 + e^−|x|),
    /// which never overflows; gradient (sigmoid(x) − y)/count.
    public func binaryCrossEntropy(targets: Tensor) -> Tensor {
        precondition(shape == targets.shape, "binaryCrossEntropy: logits \(shape), targets \(targets.shape)")
        let n = count
        let residual = Tensor(zeros: shape)  // σ(x) − y
        var total = 0.0
        for i in 0..<n {
            let x = Double(data[i]), y = Double(targets.data[i])
            total += Swift.max(x, 0) - x * y + Foundation.log1p(Foundation.exp(-Swift.abs(x)))
            residual.data[i] = Float(1 / (1 + Foundation.exp(-x)) - y)
        }
        let out = Tensor([Float(total / Double(n))], shape: [])
        return Tensor.record("binaryCrossEntropy", out, inputs: [self]) { g in
            let dx = Tensor(zeros: residual.shape)
            let scale = g.data[0] / Float(n)
            for i in 0..<n { dx.data[i] = residual.data[i] * scale }
            return [dx]
        }
    }
}
