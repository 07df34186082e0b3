// The sprite-world Fréchet distance (docs/layers.md): the Fréchet distance between two
// Gaussians fitted to the judge's penultimate features of two sets of images,
// |μ1 − μ2|² + Tr(Σ1 + Σ2 − 2(Σ1Σ2)^½), FID's formula on the judge instead of Inception.
// Tr (Σ1Σ2)^½ is the sum of the square roots of the eigenvalues of Σ1^½ Σ2 Σ1^½, which
// is symmetric, so one symmetric eigen-solver (Jacobi rotations, in Double) does it all.
import Foundation

public enum FrechetDistance {
    /// Mean and covariance (divided by n − 1) of feature rows.
    public static func moments(_ rows: [[Double]]) -> (mean: [Double], covariance: [[Double]]) {
        precondition(rows.count > 1, "FrechetDistance: at least two feature rows are needed")
        let d = rows[0].count, n = Double(rows.count)
        var mean = [Double](repeating: 0, count: d)
        for r in rows { for j in 0..<d { mean[j] += r[j] / n } }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for r in rows {
            let c = (0..<d).map { r[$0] - mean[$0] }
            for i in 0..<d { for j in i..<d { cov[i][j] += c[i] * c[j] } }
        }
        for i in 0..<d { for j in i..<d { cov[i][j] /= n - 1; cov[j][i] = cov[i][j] } }
        return (mean, cov)
    }

    public static func distance(_ a: [[Double]], _ b: [[Double]]) -> Double {
        let (m1, s1) = moments(a), (m2, s2) = moments(b)
        return distance(mean1: m1, covariance1: s1, mean2: m2, covariance2: s2)
    }

    public static func distance(mean1: [Double], covariance1 s1: [[Double]], mean2: [Double], covariance2 s2: [[Double]]) -> Double {
        let d = mean1.count
        var total = 0.0
        for j in 0..<d { total += (mean1[j] - mean2[j]) * (mean1[j] - mean2[j]) + s1[j][j] + s2[j][j] }
        let root1 = squareRoot(s1)
        let product = multiply(multiply(root1, s2), root1)
        total -= 2 * symmetricEigenvalues(product).reduce(0) { $0 + max($1, 0).squareRoot() }
        return total
    }

    static func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let n = a.count, m = b[0].count, k = b.count
        var out = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)
        for i in 0..<n { for p in 0..<k where a[i][p] != 0 { let x = a[i][p]; for j in 0..<m { out[i][j] += x * b[p][j] } } }
        return out
    }

    /// The symmetric positive semi-definite square root V·diag(√λ)·Vᵀ.
    static func squareRoot(_ s: [[Double]]) -> [[Double]] {
        let (values, vectors) = symmetricEigen(s)
        let n = s.count
        var out = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for k in 0..<n {
            let r = max(values[k], 0).squareRoot()
            guard r > 0 else { continue }
            for i in 0..<n { let x = vectors[i][k] * r; for j in 0..<n { out[i][j] += x * vectors[j][k] } }
        }
        return out
    }

    static func symmetricEigenvalues(_ s: [[Double]]) -> [Double] { symmetricEigen(s).values }

    /// Eigenvalues and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi
    /// rotations, swept until the off-diagonal part is negligible.
    static func symmetricEigen(_ s: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
        let n = s.count
        var a = s
        var v = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        let scale = max(1e-300, a.joined().reduce(0) { $0 + $1 * $1 })
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in (i + 1)..<n { off += a[i][j] * a[i][j] } }
            if off <= 1e-24 * scale { break }
            for p in 0..<n {
                for q in (p + 1)..<n where a[p][q] != 0 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), sn = t * c
                    for k in 0..<n {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - sn * akq; a[k][q] = sn * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - sn * aqk; a[q][k] = sn * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - sn * vkq; v[k][q] = sn * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0][$0] }, v)
    }
}
