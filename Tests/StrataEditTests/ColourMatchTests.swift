import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

/// Colour matching against pictures whose answer is known: a subject whose channels were
/// mapped by an affine change comes back exactly; the background is never touched.
final class ColourMatchTests: XCTestCase {
    /// A 32×32 source with a subject of varied colours in a 10×8 box at (4, 6), and a
    /// result holding the same subject moved to (18, 20) with channel c mapped to
    /// gains[c] · v + offsets[c], on another background.
    static func pictures(gains: [Float], offsets: [Float]) -> (source: Tensor, sourceMask: Tensor, result: Tensor, resultMask: Tensor) {
        let source = Tensor(zeros: [1, 3, 32, 32]), result = Tensor(zeros: [1, 3, 32, 32])
        let sourceMask = Tensor(zeros: [1, 1, 32, 32]), resultMask = Tensor(zeros: [1, 1, 32, 32])
        var rng = StrataRandom(seed: 7)
        let background = Tensor.uniform([1, 3, 32, 32], using: &rng)
        for i in 0..<(3 * 1024) { source.data[i] = background.data[i]; result.data[i] = 1 - background.data[i] }
        let subject = Tensor.uniform([3, 8, 10], using: &rng)
        for y in 0..<8 { for x in 0..<10 {
            sourceMask.data[(6 + y) * 32 + 4 + x] = 1; resultMask.data[(20 + y) * 32 + 18 + x] = 1
            for c in 0..<3 {
                let v = 0.2 + 0.5 * subject.data[c * 80 + y * 10 + x]
                source.data[c * 1024 + (6 + y) * 32 + 4 + x] = v
                result.data[c * 1024 + (20 + y) * 32 + 18 + x] = gains[c] * v + offsets[c]
            }
        } }
        return (source, sourceMask, result, resultMask)
    }

    func testAnAffineChangeOfTheSubjectsColoursIsUndone() {
        let p = Self.pictures(gains: [0.7, 1.3, 0.6], offsets: [0.2, -0.1, 0.15])
        let out = ColourMatch.apply(result: p.result, resultMask: p.resultMask, source: p.source, sourceMask: p.sourceMask, strength: 1)
        for c in 0..<3 { for y in 0..<32 { for x in 0..<32 {
            let i = c * 1024 + y * 32 + x
            if p.resultMask.data[y * 32 + x] > 0.5 {
                XCTAssertEqual(out.data[i], p.source.data[c * 1024 + (y - 14) * 32 + x - 14], accuracy: 1e-5, "subject pixel \(c) \(x) \(y)")
            } else {
                XCTAssertEqual(out.data[i], p.result.data[i], "background pixel \(c) \(x) \(y) is left as it is")
            }
        } } }
    }

    func testStrengthMovesPartOfTheWay() {
        let p = Self.pictures(gains: [1, 1, 1], offsets: [0.1, -0.2, 0.05])
        let half = ColourMatch.apply(result: p.result, resultMask: p.resultMask, source: p.source, sourceMask: p.sourceMask, strength: 0.5)
        let none = ColourMatch.apply(result: p.result, resultMask: p.resultMask, source: p.source, sourceMask: p.sourceMask, strength: 0)
        XCTAssertEqual(none.scalars, p.result.scalars)
        let i = 2 * 1024 + 22 * 32 + 20  // a subject pixel of channel 2
        XCTAssertEqual(half.data[i], p.result.data[i] - 0.025, accuracy: 1e-5)
    }

    func testTheSpreadIsScaledByAtMostTheLimit() {
        // The result's subject has a fifth of the source's spread: it is stretched by 2, not 5.
        let p = Self.pictures(gains: [0.2, 0.2, 0.2], offsets: [0.3, 0.3, 0.3])
        let out = ColourMatch.apply(result: p.result, resultMask: p.resultMask, source: p.source, sourceMask: p.sourceMask, strength: 1)
        let pixels = (0..<1024).filter { p.resultMask.data[$0] > 0.5 }
        for c in 0..<3 {
            let before = ColourMatch.moments(p.result.data, offset: c * 1024, pixels: pixels)
            let after = ColourMatch.moments(out.data, offset: c * 1024, pixels: pixels)
            let target = ColourMatch.moments(p.source.data, offset: c * 1024, pixels: (0..<1024).filter { p.sourceMask.data[$0] > 0.5 })
            XCTAssertEqual(after.spread, ColourMatch.spreadLimit * before.spread, accuracy: 1e-5)
            XCTAssertEqual(after.mean, target.mean, accuracy: 1e-5)
        }
    }

    func testTooSmallAMaskLeavesTheResultAlone() {
        let p = Self.pictures(gains: [1, 1, 1], offsets: [0.2, 0.2, 0.2])
        let tiny = Tensor(zeros: [1, 1, 32, 32])
        for i in 0..<(ColourMatch.leastPixels - 1) { tiny.data[20 * 32 + 18 + i] = 1 }
        XCTAssertEqual(ColourMatch.apply(result: p.result, resultMask: tiny, source: p.source, sourceMask: p.sourceMask, strength: 1).scalars,
                       p.result.scalars)
    }
}
