import Foundation
import XCTest
@testable import StrataSprites
import StrataTensor

final class FrechetDistanceTests: XCTestCase {
    /// A random rotation (orthogonal matrix) by Gram–Schmidt on seeded columns.
    func rotation(_ n: Int, seed: UInt64) -> [[Double]] {
        var rng = StrataRandom(seed: seed)
        var q: [[Double]] = []
        for _ in 0..<n {
            var v = (0..<n).map { _ in Double(rng.nextNormal()) }
            for u in q { let d = zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }; v = zip(v, u).map { $0 - d * $1 } }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            q.append(v.map { $0 / norm })
        }
        return (0..<n).map { i in (0..<n).map { q[$0][i] } }
    }

    func transpose(_ m: [[Double]]) -> [[Double]] { (0..<m[0].count).map { j in m.map { $0[j] } } }

    /// Eigenpairs satisfy A·v = λ·v and the eigenvalues are those a matrix was built from.
    func testJacobiFindsTheEigenvaluesAMatrixWasBuiltFrom() {
        let n = 12, r = rotation(n, seed: 3)
        let values = (0..<n).map { Double($0) * 0.7 + 0.1 }
        let diag = (0..<n).map { i in (0..<n).map { $0 == i ? values[i] : 0 } }
        let a = FrechetDistance.multiply(FrechetDistance.multiply(r, diag), transpose(r))
        let (found, vectors) = FrechetDistance.symmetricEigen(a)
        for (x, y) in zip(found.sorted(), values) { XCTAssertEqual(x, y, accuracy: 1e-9) }
        for k in 0..<n {
            let v = (0..<n).map { vectors[$0][k] }
            let av = a.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } }
            for i in 0..<n { XCTAssertEqual(av[i], found[k] * v[i], accuracy: 1e-9) }
        }
    }

    /// Diagonal covariances have the closed form Σ(μ1 − μ2)² + Σ(σ1 − σ2)², and a common
    /// rotation of both Gaussians leaves the distance unchanged.
    func testDistanceMatchesTheClosedFormAndIgnoresACommonRotation() {
        let n = 8
        let m1 = (0..<n).map { Double($0) * 0.3 }, m2 = (0..<n).map { 1 - Double($0) * 0.1 }
        let sd1 = (0..<n).map { 0.5 + Double($0) * 0.2 }, sd2 = (0..<n).map { 1.5 - Double($0) * 0.1 }
        let diag = { (sd: [Double]) in (0..<n).map { i in (0..<n).map { $0 == i ? sd[i] * sd[i] : 0 } } }
        var closed = 0.0
        for j in 0..<n {
            let dm = m1[j] - m2[j], ds = sd1[j] - sd2[j]
            closed += dm * dm + ds * ds
        }
        XCTAssertEqual(FrechetDistance.distance(mean1: m1, covariance1: diag(sd1), mean2: m2, covariance2: diag(sd2)), closed, accuracy: 1e-9)
        let r = rotation(n, seed: 5)
        let turn = { (m: [[Double]]) in FrechetDistance.multiply(FrechetDistance.multiply(r, m), self.transpose(r)) }
        let move = { (v: [Double]) in r.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } } }
        XCTAssertEqual(FrechetDistance.distance(mean1: move(m1), covariance1: turn(diag(sd1)), mean2: move(m2), covariance2: turn(diag(sd2))),
                       closed, accuracy: 1e-8)
    }

    /// Samples of one Gaussian are near distance 0; moments are the sample's own.
    func testMomentsAndSameDistributionDistance() {
        var rng = StrataRandom(seed: 9)
        let draw = { (k: Int) in (0..<k).map { _ in (0..<4).map { _ in Double(rng.nextNormal()) } } }
        let a = draw(4000), b = draw(4000)
        XCTAssertLessThan(FrechetDistance.distance(a, b), 0.02)
        let (mean, cov) = FrechetDistance.moments([[1, 2], [3, 6]])
        XCTAssertEqual(mean, [2, 4])
        XCTAssertEqual(cov, [[2, 4], [4, 8]])
    }
}
