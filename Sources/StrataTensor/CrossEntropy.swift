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
