// Reverse-mode automatic differentiation: each recorded operation leaves a Node that
// maps the gradient of its output to gradients of its inputs.

/// One recorded operation.
package final class Node {
    let name: String
    let inputs: [Tensor]
    /// Released after use, so saved intermediates free as the backward pass moves on.
    package var backward: ((Tensor) -> [Tensor?])?

    init(name: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.backward = backward
    }
}

extension Tensor {
    /// Wraps a freshly computed `output` into the graph when any input needs a gradient.
    /// `backward` receives the output's gradient and returns one gradient per input
    /// (nil where an input needs none).
    static func record(_ name: String, _ output: Tensor, inputs: [Tensor],
                       backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return output }
        output.requiresGrad = true
        output.node = Node(name: name, inputs: inputs, backward: backward)
        return output
    }

    /// Back-propagates from this tensor. A non-scalar tensor needs `gradient`, its
    /// upstream gradient; a scalar defaults to 1. Leaf gradients accumulate into `grad`.
    public func backward(_ gradient: Tensor? = nil) {
        precondition(requiresGrad, "backward: the tensor does not require a gradient")
        let seed = gradient ?? {
            precondition(count == 1, "backward: a tensor of shape \(shape) needs an explicit gradient")
            return Tensor(repeating: 1, shape: shape)
        }()
        precondition(seed.shape == shape, "backward: gradient shape \(seed.shape) does not match \(shape)")

        // Topological order of the tensors that carry a node, by iterative DFS.
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var pending = Set<ObjectIdentifier>()  // leaf tensors still expecting gradient
        var remaining: [ObjectIdentifier: Int] = [:]  // how many consumers a leaf has
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            let id = ObjectIdentifier(t)
            if expanded { order.append(t); continue }
            if visited.contains(id) { continue }
            visited.insert(id)
            guard let node = t.node else { continue }
            stack.append((t, true))
            for input in node.inputs where input.requiresGrad {
                if input.node == nil {
                    remaining[ObjectIdentifier(input), default: 0] += 1
                    pending.insert(ObjectIdentifier(input))
                }
                if !visited.contains(ObjectIdentifier(input)) { stack.append((input, false)) }
            }
        }

        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
        if node == nil { accumulateLeaf(self, seed); return }
        for t in order.reversed() {
            let id = ObjectIdentifier(t)
            guard let node = t.node, let g = grads.removeValue(forKey: id) else { continue }
            guard let fn = node.backward else {
                preconditionFailure("backward: the graph through '\(node.name)' was already used by an earlier backward pass")
            }
            let inputGrads = fn(g)
            node.backward = nil
            for (input, ig) in zip(node.inputs, inputGrads) where input.requiresGrad {
                let iid = ObjectIdentifier(input)
                if input.node == nil {
                    if let ig { accumulateLeaf(input, ig) }
                    remaining[iid]! -= 1
                    if remaining[iid] == 0, let ready = input.onGradientReady, input.grad != nil { ready(input) }
                } else if let ig {
                    grads[iid] = grads[iid].map { $0.summed(with: ig) } ?? ig
                }
            }
        }
    }

    // Gradients handed out by backward rules may be shared (an addition passes the same
    // gradient to both inputs), so accumulation always writes a new tensor.
    private func accumulateLeaf(_ leaf: Tensor, _ g: Tensor) {
        precondition(g.shape == leaf.shape, "backward: gradient of shape \(g.shape) for a leaf of shape \(leaf.shape)")
        leaf.grad = leaf.grad.map { $0.summed(with: g) } ?? g
    }

    func summed(with other: Tensor) -> Tensor {
        let out = Tensor.empty(shape)
        Kernels.add(data, other.data, out.data, count)
        return out
    }

    /// Clears the gradient of a leaf.
    public func zeroGrad() { grad = nil }
}
