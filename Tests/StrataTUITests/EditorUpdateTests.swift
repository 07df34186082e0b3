import XCTest
@testable import StrataEdit
@testable import StrataTUI

/// The pure update: keys and mouse to state changes and effects, without a terminal.
final class EditorUpdateTests: XCTestCase {
    func send(_ s: inout EditorState, _ keys: Key...) -> [EditorEffect] { keys.flatMap { s.update(.key($0)) } }

    func testAChangeMarksStagesStaleAndRunsTheQuickPresetAfterThePause() {
        var s = TUIFixtures.state()
        s.stale = []
        s.focus = .parameters
        s.parameter = EditorParameter.allCases.firstIndex(of: .alpha)!
        XCTAssertEqual(send(&s, .right), [])
        XCTAssertEqual(s.settings.edit.alpha, 0.75, accuracy: 1e-9)
        XCTAssertEqual(s.stale, [.finetune, .sample])
        XCTAssertEqual(s.update(.tick(0.3)), [], "still inside the debounce")
        let effects = s.update(.tick(0.7))
        var expected = s.request(preset: .quick)
        expected.settings.edit.alpha = 0.75
        XCTAssertEqual(effects, [.autosave, .run(expected)])
        XCTAssertTrue(s.isRunning)
        XCTAssertEqual(s.stale, [])
        // A change while it runs: the next run cancels it first.
        s.parameter = EditorParameter.allCases.firstIndex(of: .guidanceScale)!
        _ = send(&s, .left)
        XCTAssertEqual(s.stale, [.sample])
        let again = s.update(.tick(1.5))
        XCTAssertEqual(again.first, .autosave)
        XCTAssertEqual(again.dropFirst().first, .cancel)
        // Live preview off: changes wait for r, which runs the chosen preset.
        s.job = .idle
        _ = send(&s, .char("l"))
        _ = send(&s, .left)
        XCTAssertEqual(s.update(.tick(3)), [.autosave])
        guard case .run(let full)? = send(&s, .char("r")).last else { return XCTFail("r runs") }
        XCTAssertEqual(full.settings.preset, .full)
    }

    func testProgressCancelAndFailure() {
        var s = TUIFixtures.state()
        _ = send(&s, .char("r"))
        XCTAssertTrue(s.isRunning)
        _ = s.update(.progress(StageProgress(stage: .optimise, step: 10, total: 500, objectLoss: 0.5, backgroundLoss: 0.25), at: 2))
        _ = s.update(.progress(StageProgress(stage: .optimise, step: 20, total: 500, objectLoss: 0.4, backgroundLoss: 0.2), at: 3))
        guard case let .running(stage, step, total, _, _) = s.job else { return XCTFail() }
        XCTAssertEqual(stage, .optimise); XCTAssertEqual(step, 20); XCTAssertEqual(total, 500)
        XCTAssertEqual(s.objectLosses, [0.5, 0.4])
        _ = s.update(.progress(StageProgress(stage: .finetune, step: 1, total: 250, objectLoss: 0.1, backgroundLoss: 0.1), at: 4))
        XCTAssertEqual(s.objectLosses, [0.1], "a new stage starts new sparklines")
        XCTAssertEqual(send(&s, .escape), [.cancel])
        _ = s.update(.failed("cancelled during finetune"))
        XCTAssertEqual(s.job, .idle)
        XCTAssertEqual(s.stale, Set(EditStage.allCases), "what was stale before the run is stale again")
        _ = send(&s, .char("r"))
        _ = s.update(.failed("the loss stopped being a finite number at step 3 of finetune"))
        guard case .failed = s.job else { return XCTFail() }
    }

    /// A stage that goes on from a stopped run's state first reports its saved step; the
    /// time left counts only the steps run since.
    func testTimeLeftCountsOnlyStepsRunAfterAResume() {
        var s = TUIFixtures.state()
        _ = send(&s, .char("r"))
        _ = s.update(.progress(StageProgress(stage: .optimise, step: 200, total: 250, resumed: true), at: 10))
        XCTAssertEqual(s.stageSecondsLeft, 0, "no step run yet")
        _ = s.update(.progress(StageProgress(stage: .optimise, step: 210, total: 250), at: 12))
        XCTAssertEqual(s.stageSecondsLeft, 8, accuracy: 1e-9, "10 steps in 2 s, 40 left")
        _ = s.update(.progress(StageProgress(stage: .finetune, step: 5, total: 250), at: 13))
        XCTAssertEqual(s.stageFirstStep, 0)
        _ = s.update(.progress(StageProgress(stage: .finetune, step: 10, total: 250), at: 14))
        XCTAssertEqual(s.stageSecondsLeft, 240 * 0.1, accuracy: 1e-9, "a stage run from its start counts from its start")
    }

    func testQuitAsksOnlyWhileAJobRuns() {
        var s = TUIFixtures.state()
        s.unsaved = false
        XCTAssertEqual(send(&s, .char("q")), [.quit])
        _ = send(&s, .char("r"))
        XCTAssertEqual(send(&s, .char("q")), [])
        XCTAssertTrue(s.confirmQuit)
        XCTAssertEqual(send(&s, .char("n")), [])
        XCTAssertFalse(s.confirmQuit)
        _ = send(&s, .char("q"))
        XCTAssertEqual(send(&s, .char("y")), [.cancel, .quit])
    }

    func testTextFieldsAndCaptionSplit() {
        var s = TUIFixtures.state()
        s.focus = .prompts
        s.field = 2
        s.fields[2] = LineEditor("a cat sitting on a beach")
        _ = send(&s, .enter)
        XCTAssertEqual(s.subject, "a cat sitting"); XCTAssertEqual(s.background, "on a beach")
        XCTAssertTrue(s.stale.contains(.reference))
        s.field = 0
        _ = send(&s, .ctrl("w"), .paste("standing"), .char("!"), .backspace)
        XCTAssertEqual(s.subject, "a cat standing")
        XCTAssertEqual(s.fields[2].text, "a cat standing on a beach", "the caption follows the two fields")
        // Letters type into the field instead of acting as keys.
        _ = send(&s, .char("q"))
        XCTAssertEqual(s.subject, "a cat standingq")
        s.fields[2] = LineEditor("nothing to split")
        s.field = 2
        _ = send(&s, .enter)
        XCTAssert(s.message.contains("cannot split"))
        _ = send(&s, .tab)
        XCTAssertEqual(s.focus, .parameters)
    }

    func testPaintingWithKeysAndMouseUndoesByStroke() {
        var s = TUIFixtures.state()
        s.mask = MaskCanvas(side: 64)
        s.stale = []
        s.cursor = (10, 10)
        _ = send(&s, .paste("]]"))
        XCTAssertEqual(s.brush, 4, "keys typed together still act one by one")
        _ = send(&s, .paste("[["), .char(" "))
        XCTAssertGreaterThan(s.mask.coverage, 0)
        XCTAssertTrue(s.stale.contains(.optimise)); XCTAssertFalse(s.stale.contains(.reference))
        let afterKey = s.mask.pixels
        // Drag across the source image with the mouse.
        let image = EditorLayout.imageRect(in: s.layout.source.inset(1))
        _ = s.update(.mouse(.press, x: image.x + 2, y: image.y + image.height - 2))
        _ = s.update(.mouse(.drag, x: image.x + image.width - 3, y: image.y + image.height - 2))
        _ = s.update(.mouse(.release, x: image.x + image.width - 3, y: image.y + image.height - 2))
        XCTAssertGreaterThan(s.mask.coverage, MaskCanvas(side: 64, pixels: afterKey).coverage + 0.02)
        _ = send(&s, .char("u"))
        XCTAssertEqual(s.mask.pixels, afterKey, "the drag undoes as one stroke")
        _ = send(&s, .char("U"))
        XCTAssertNotEqual(s.mask.pixels, afterKey)
        // Placement: arrows move the box, + scales.
        _ = send(&s, .char("p"), .right, .right, .up, .char("+"))
        XCTAssertEqual(s.placement, Placement(dx: 2, dy: -1, scale: 1.1))
        // A flood fill proposal, rejected then accepted.
        _ = send(&s, .char("p"))
        s.cursor = (28, 40)
        _ = send(&s, .char("f"))
        XCTAssertEqual(s.mask.proposal, TUIFixtures.discMask())
        _ = send(&s, .char("n")); XCTAssertNil(s.mask.proposal)
        _ = send(&s, .char("f"), .char("a"))
        XCTAssertEqual(s.mask.pixels, TUIFixtures.discMask())
        // Right-click on the sky proposes the sky.
        _ = s.update(.mouse(.secondary, x: image.x + 1, y: image.y))
        XCTAssertEqual(s.mask.proposal?[0], 1)
        XCTAssertEqual(s.mask.proposal?[40 * 64 + 28], 0)
    }

    func testParametersStepTypeAndSweep() {
        var s = TUIFixtures.state()
        s.focus = .parameters
        s.parameter = EditorParameter.allCases.firstIndex(of: .seeds)!
        _ = send(&s, .enter, .ctrl("w"), .paste("7,8,9"), .enter)
        XCTAssertEqual(s.settings.edit.seeds, [7, 8, 9])
        _ = send(&s, .enter, .ctrl("w"), .paste("x"), .enter)
        XCTAssertEqual(s.settings.edit.seeds, [7, 8, 9]); XCTAssert(s.message.contains("seeds"))
        s.parameter = EditorParameter.allCases.firstIndex(of: .finetuneMode)!
        _ = send(&s, .right)
        XCTAssertEqual(s.settings.edit.finetuneMode, .attention)
        s.parameter = EditorParameter.allCases.firstIndex(of: .lambda1)!
        s.focus = .results
        _ = send(&s, .char("w"))
        // λ1 left to the subject-size rule sweeps around "auto", stepping from 2.
        XCTAssertEqual(s.sweepEditor?.text, "1.75, auto, 2.25, 2.50")
        _ = send(&s, .enter)
        XCTAssertEqual(s.sweep, Sweep(parameter: .lambda1, values: ["1.75", "auto", "2.25", "2.50"]))
        guard case .run(let r)? = send(&s, .char("r")).last else { return XCTFail() }
        let runs = EditorEngine.runs(r)
        XCTAssertEqual(runs.map(\.settings.lambda1), [1.75, nil, 2.25, 2.5])
        XCTAssertEqual(runs.map(\.value), ["1.75", "auto", "2.25", "2.50"])
        _ = send(&s, .char("w"), .ctrl("w"), .ctrl("w"), .ctrl("w"), .ctrl("w"), .ctrl("w"), .ctrl("w"), .ctrl("w"), .ctrl("w"), .enter)
        XCTAssertNil(s.sweep)
    }

    /// The mix rate: off until stepped up (to 1e-3), doubling, off again below 1e-4; typed
    /// as a number or "off"; a change makes stage 1 stale.
    func testMixEmbeddingRate() {
        var s = TUIFixtures.state()
        s.stale = []
        s.focus = .parameters
        s.parameter = EditorParameter.allCases.firstIndex(of: .mixEmbeddingLR)!
        XCTAssertEqual(EditorParameter.mixEmbeddingLR.value(s.settings), "off")
        _ = send(&s, .right, .right)
        XCTAssertEqual(s.settings.edit.mixEmbeddingLR, 2e-3)
        XCTAssertEqual(s.stale, [.optimise, .finetune, .sample])
        _ = send(&s, .enter, .ctrl("w"), .paste("0.01"), .enter)
        XCTAssertEqual(s.settings.edit.mixEmbeddingLR, 0.01)
        _ = send(&s, .enter, .ctrl("w"), .paste("-1"), .enter)
        XCTAssertEqual(s.settings.edit.mixEmbeddingLR, 0.01); XCTAssert(s.message.contains("stage 1 mix lr"))
        s.settings.edit.mixEmbeddingLR = 1.5e-4
        _ = send(&s, .left)
        XCTAssertEqual(s.settings.edit.mixEmbeddingLR, 0)
        _ = send(&s, .enter, .ctrl("w"), .paste("off"), .enter)
        XCTAssertEqual(EditorParameter.mixEmbeddingLR.value(s.settings), "off")
    }

    /// The noise-weighting caps: a step doubles or halves within 1...256, a typed value
    /// below 1 is refused with a message, and a change makes stage 2 stale.
    func testNoiseWeightCaps() {
        var s = TUIFixtures.state()
        s.stale = []
        s.focus = .parameters
        s.parameter = EditorParameter.allCases.firstIndex(of: .objectNoiseWeight)!
        s.settings.edit.objectNoiseWeight = 20
        _ = send(&s, .right)
        XCTAssertEqual(s.settings.edit.objectNoiseWeight, 40)
        XCTAssertEqual(s.stale, [.finetune, .sample])
        for _ in 0..<5 { _ = send(&s, .right) }
        XCTAssertEqual(s.settings.edit.objectNoiseWeight, 256)
        _ = send(&s, .enter, .ctrl("w"), .paste("0.5"), .enter)
        XCTAssertEqual(s.settings.edit.objectNoiseWeight, 256); XCTAssert(s.message.contains("L_obj weight cap"), s.message)
        s.parameter = EditorParameter.allCases.firstIndex(of: .backgroundNoiseWeight)!
        _ = send(&s, .left)
        XCTAssertEqual(s.settings.edit.backgroundNoiseWeight, 1, "never below the paper's unweighted loss")
        _ = send(&s, .enter, .ctrl("w"), .paste("5"), .enter)
        XCTAssertEqual(s.settings.edit.backgroundNoiseWeight, 5)
        XCTAssertEqual(EditorParameter.objectNoiseWeight.rawValue, "object_noise_weight", "the settings' shared name")
    }

    /// Guidance start: steps of 0.05 within 0...1, a typed value above 1 refused with a
    /// message, and a change makes only stage 3 stale.
    func testGuidanceStart() {
        var s = TUIFixtures.state()
        s.stale = []
        s.focus = .parameters
        s.parameter = EditorParameter.allCases.firstIndex(of: .guidanceStart)!
        _ = send(&s, .right)
        XCTAssertEqual(s.settings.edit.guidanceStart, 0.05)
        XCTAssertEqual(s.stale, [.sample])
        _ = send(&s, .left, .left)
        XCTAssertEqual(s.settings.edit.guidanceStart, 0, "never below 0")
        _ = send(&s, .enter, .ctrl("w"), .paste("1.5"), .enter)
        XCTAssertEqual(s.settings.edit.guidanceStart, 0); XCTAssert(s.message.contains("guidance start"), s.message)
        _ = send(&s, .enter, .ctrl("w"), .paste("0.25"), .enter)
        XCTAssertEqual(s.settings.edit.guidanceStart, 0.25)
        XCTAssertEqual(EditorParameter.guidanceStart.rawValue, "guidance_start", "the settings' shared name")
    }

    /// Identity guidance: steps of 0.25 within 0...2, "off" at 0, typed "off" or a value,
    /// a value above 2 refused, and a change makes only stage 3 stale.
    func testIdentityGuidance() {
        var s = TUIFixtures.state()
        s.stale = []
        s.focus = .parameters
        s.parameter = EditorParameter.allCases.firstIndex(of: .identityGuidance)!
        XCTAssertEqual(EditorParameter.identityGuidance.value(s.settings), "off")
        _ = send(&s, .right)
        XCTAssertEqual(s.settings.edit.identityGuidance, 0.25)
        XCTAssertEqual(s.stale, [.sample])
        _ = send(&s, .enter, .ctrl("w"), .paste("3"), .enter)
        XCTAssertEqual(s.settings.edit.identityGuidance, 0.25); XCTAssert(s.message.contains("identity guidance"), s.message)
        _ = send(&s, .enter, .ctrl("w"), .paste("2"), .enter, .right)
        XCTAssertEqual(s.settings.edit.identityGuidance, 2, "never above 2")
        _ = send(&s, .enter, .ctrl("w"), .paste("off"), .enter)
        XCTAssertEqual(s.settings.edit.identityGuidance, 0)
        XCTAssertEqual(EditorParameter.identityGuidance.rawValue, "identity_guidance", "the settings' shared name")
    }

    func testHelpResizeThemeAndCompare() {
        var s = TUIFixtures.state()
        _ = send(&s, .char("?"))
        XCTAssertTrue(s.showHelp)
        XCTAssertEqual(send(&s, .char("r")), [], "help takes the keys while open")
        _ = send(&s, .escape)
        XCTAssertFalse(s.showHelp)
        _ = s.update(.resize(width: 70, height: 20))
        XCTAssertTrue(s.tooSmall)
        _ = s.update(.resize(width: 100, height: 30))
        XCTAssertFalse(s.tooSmall)
        let first = s.theme.name
        XCTAssertEqual(send(&s, .char("t")), [.autosave])
        XCTAssertNotEqual(s.theme.name, first)
        _ = send(&s, .char("c"))
        XCTAssertNil(s.compare, "nothing to compare yet")
        s.results = [ResultSlot(seed: 1, picture: TUIFixtures.scene(tint: (220, 60, 40)))]
        _ = send(&s, .char("c"))
        XCTAssertEqual(s.compare, .wipe(column: 0.5))
        _ = send(&s, .left, .left)
        guard case .wipe(let column)? = s.compare else { return XCTFail() }
        XCTAssertEqual(column, 0.4, accuracy: 1e-9)
        _ = send(&s, .char(" "))
        XCTAssertEqual(s.compare, .flip(showResult: true))
        _ = send(&s, .char(" "))
        XCTAssertEqual(s.compare, .flip(showResult: false))
        _ = send(&s, .escape)
        XCTAssertNil(s.compare)
    }
}
