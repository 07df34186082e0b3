import XCTest
import StrataEdit
import StrataTensor

/// The colour refinement turns a blocky difference map into the exact outline of a subject
/// whose colours differ from the background's, on images whose true mask is known.
final class MaskRefinementTests: XCTestCase {
    /// A 16×16 image: blue sky, a red 5×6 subject at (5, 4) with a dark 1-pixel eye at (7, 6)
    /// (a hole of another colour), and a red 2×2 patch far from the map's subject.
    func scene() -> (image: Tensor, truth: [UInt8]) {
        let side = 16, plane = side * side
        let image = Tensor(zeros: [1, 3, side, side])
        var truth = [UInt8](repeating: 0, count: plane)
        func paint(_ x: Int, _ y: Int, _ rgb: (Float, Float, Float)) {
            let i = y * side + x
            image.data[i] = rgb.0; image.data[plane + i] = rgb.1; image.data[2 * plane + i] = rgb.2
        }
        for y in 0..<side { for x in 0..<side { paint(x, y, (0.3, 0.5, 0.9)) } }
        for y in 4..<10 { for x in 5..<10 { paint(x, y, (0.9, 0.2, 0.2)); truth[y * side + x] = 1 } }
        paint(7, 6, (0.05, 0.05, 0.05))
        for y in 13..<15 { for x in 13..<15 { paint(x, y, (0.9, 0.2, 0.2)) } }
        return (image, truth)
    }

    func testBlockyMapBecomesTheSubjectsOutline() {
        let (image, truth) = scene()
        // 4×4 latent cells: the subject's cells (1,1) and (1,2) strong, their neighbours
        // weak, the red patch's cell (3,3) at nothing.
        var map = [Float](repeating: 0.05, count: 16)
        map[1 * 4 + 1] = 1; map[2 * 4 + 1] = 0.9; map[1 * 4 + 2] = 0.7; map[2 * 4 + 2] = 0.6
        let refined = MaskRefinement.refine(image: image, map: map, height: 4, width: 4, threshold: 0.5)
        XCTAssertEqual(refined.shape, [1, 1, 16, 16])
        XCTAssertEqual(refined.scalars, truth.map(Float.init), "the subject, its eye filled in, and not the far red patch")
        let blocks = MaskSuggestion.mask(map, height: 4, width: 4, factor: 4, threshold: 0.5)
        XCTAssertLessThan(MaskOps.intersectionOverUnion(blocks, truth), 0.6)
    }

    func testWithoutSureBackgroundItFallsBackToTheBlocks() {
        let (image, _) = scene()
        let map = [Float](repeating: 0.8, count: 16)
        let refined = MaskRefinement.refine(image: image, map: map, height: 4, width: 4, threshold: 0.5)
        XCTAssertEqual(refined.scalars, MaskSuggestion.mask(map, height: 4, width: 4, factor: 4, threshold: 0.5).scalars)
    }
}
