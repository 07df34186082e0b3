import Foundation
import XCTest
@testable import StrataSprites
@testable import StrataTensor

/// The shipped judge on fresh renders from evaluation seeds (never trained on). The full
/// measurement is `strata eval judge --count 2000`; this smaller one guards the weights
/// and the reading code.
final class JudgeTests: XCTestCase {
    func testShippedJudgeReadsFreshScenes() throws {
        let judge = try SpriteJudge.shipped()
        let a = judge.accuracy(renderer: SceneTests.renderer, count: 400, seed: 77)
        for (name, share) in zip(SpriteJudge.headNames, a.perAttribute) { XCTAssertGreaterThanOrEqual(share, 0.96, name) }
        XCTAssertGreaterThanOrEqual(a.allCorrect, 0.92)
        // Confidences are probabilities and the readings name real classes.
        let r = judge.read(SpriteJudge.images([SceneTests.renderer.render(seed: SceneSpec.evaluationSeed(77, index: 0)).rgb]))[0]
        XCTAssert(r.confidences.allSatisfy { $0 > 0 && $0 <= 1 })
    }

    /// The layer heads: a subject on scenes, none on their backgrounds alone, and the
    /// sprite's mask (alpha above 0.5) read back; an IoU computed by hand agrees.
    func testShippedJudgeReadsSubjectsAndMasks() throws {
        let judge = try SpriteJudge.shipped()
        XCTAssert(judge.hasLayerHeads)
        let a = judge.layerAccuracy(renderer: SceneTests.renderer, count: 200, seed: 78)
        XCTAssertGreaterThanOrEqual(a.subject.mean, 0.98)
        XCTAssertGreaterThanOrEqual(a.noSubject.mean, 0.98)
        XCTAssertGreaterThanOrEqual(a.maskIoU.mean, 0.93)
        XCTAssertEqual(maskIoU([1, 1, 0, 0], [0.9, 0.2, 0.7, 0]), 1.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(maskIoU([0, 0], [0, 0.4]), 1)
    }

    func testEvaluationSeedsAreNeverTrainingSeeds() {
        for i in 0..<1000 { XCTAssertGreaterThanOrEqual(SceneSpec.evaluationSeed(UInt64(i % 7), index: i), SceneSpec.evaluationSeedBase) }
        XCTAssertNotEqual(SceneSpec.evaluationSeed(1, index: 0), SceneSpec.evaluationSeed(2, index: 0))
    }
}
