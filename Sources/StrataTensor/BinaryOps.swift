// Broadcasting add, sub, mul and div with their backward rules.

enum BinaryKind { case add, sub, mul, div }

extension Tensor {
    static func binary(_ kind: BinaryKind, _ a: Tensor, _ b: Tensor) -> Tensor {
        let name = "\(kind)"
        let plan = BroadcastPlan(name, a.shape, b.shape)
        let out = Tensor.empty(plan.outShape)
        let pa = a.data, pb = b.data, po = out.data
        let inner = plan.inner
        let sa = plan.strideA.last!, sb = plan.strideB.last!
        Parallel.forEach(plan.rows, grain: max(1, 32768 / inner)) { rows in
            for row in rows {
                let (oa, ob) = plan.rowOffsets(row)
                let x = pa + oa, y = pb + ob, o = po + row * inner
                switch (kind, sa, sb) {
                case (.add, 1, 1): for j in 0..<inner { o[j] = x[j] + y[j] }
                case (.sub, 1, 1): for j in 0..<inner { o[j] = x[j] - y[j] }
                case (.mul, 1, 1): for j in 0..<inner { o[j] = x[j] * y[j] }
                case (.div, 1, 1): for j in 0..<inner { o[j] = x[j] / y[j] }
                case (.add, 1, 0): let c = y[0]; for j in 0..<inner { o[j] = x[j] + c }
                case (.sub, 1, 0): let c = y[0]; for j in 0..<inner { o[j] = x[j] - c }
                case (.mul, 1, 0): let c = y[0]; for j in 0..<inner { o[j] = x[j] * c }
                case (.div, 1, 0): let c = y[0]; for j in 0..<inner { o[j] = x[j] / c }
                default:
                    for j in 0..<inner {
                        let u = x[j * sa], v = y[j * sb]
                        switch kind {
                        case .add: o[j] = u + v
                        case .sub: o[j] = u - v
                        case .mul: o[j] = u * v
                        case .div: o[j] = u / v
                        }
                    }
                }
            }
        }
        let od = out.detached()  // the result without its node: no reference cycle
        return record(name, out, inputs: [a, b]) { g in
            switch kind {
            case .add: return [a.requiresGrad ? g.sumToShape(a.shape) : nil, b.requiresGrad ? g.sumToShape(b.shape) : nil]
            case .sub:
                return [a.requiresGrad ? g.sumToShape(a.shape) : nil,
                        b.requiresGrad ? GradMode.disabled { (-g).sumToShape(b.shape) } : nil]
            case .mul:
                return GradMode.disabled {
                    [a.requiresGrad ? (g * b.detached()).sumToShape(a.shape) : nil,
                     b.requiresGrad ? (g * a.detached()).sumToShape(b.shape) : nil]
                }
            case .div:
                return GradMode.disabled {
                    let bd = b.detached()
                    return [a.requiresGrad ? (g / bd).sumToShape(a.shape) : nil,
                            b.requiresGrad ? (-(g * od) / bd).sumToShape(b.shape) : nil]
                }
            }
        }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { binary(.add, a, b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { binary(.sub, a, b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { binary(.mul, a, b) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { binary(.div, a, b) }

    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1 / s, shift: 0) }
    public static prefix func - (a: Tensor) -> Tensor { a.affine(scale: -1, shift: 0) }

    /// scale · x + shift, element-wise.
    public func affine(scale: Float, shift: Float) -> Tensor {
        let out = Tensor.empty(shape)
        let x = data, o = out.data
        Parallel.forEach(count, grain: 1 << 16) { r in
            for i in r { o[i] = x[i] * scale + shift }
        }
        return Tensor.record("affine", out, inputs: [self]) { g in
            [GradMode.disabled { g.affine(scale: scale, shift: 0) }]
        }
    }
}
