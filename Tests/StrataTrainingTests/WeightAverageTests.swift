import XCTest
@testable import StrataTraining
@testable import StrataTensor

final class WeightAverageTests: XCTestCase {
    /// The average follows a(n+1) = d·a(n) + (1 − d)·w with d = min(decay, (1+n)/(10+n)),
    /// computed here in Double; a resumed average continues where the saved one stopped.
    func testAverageFollowsTheWeightsWithRampedDecay() {
        let w = Tensor([1, -2, 3, 0.5], shape: [2, 2])
        let average = WeightAverage([("w", w)], decay: 0.95)
        var expected = w.scalars.map(Double.init)
        for step in 0..<40 {
            for i in 0..<4 { w.data[i] += Float(i + 1) * 0.1 * (step % 2 == 0 ? 1 : -0.5) }
            let d = min(0.95, Double(1 + step) / Double(10 + step))
            expected = zip(expected, w.scalars).map { d * $0 + (1 - d) * Double($1) }
            average.update()
        }
        for (a, e) in zip(average.averaged[0].tensor.scalars, expected) { XCTAssertEqual(Double(a), e, accuracy: 1e-5) }
        XCTAssertNotEqual(average.averaged[0].tensor.scalars, w.scalars)

        let resumed = WeightAverage([("w", w)], decay: 0.95, start: ["w": average.averaged[0].tensor], updates: 40)
        resumed.update(); average.update()
        XCTAssertEqual(resumed.averaged[0].tensor.scalars, average.averaged[0].tensor.scalars)
        // A saved tensor of another shape is not used: the average starts from the weights.
        let fresh = WeightAverage([("w", w)], decay: 0.95, start: ["w": Tensor(zeros: [4])])
        XCTAssertEqual(fresh.averaged[0].tensor.scalars, w.scalars)
    }
}
