import Foundation
import XCTest
import StrataLayers
import StrataModels
import StrataTensor
@testable import StrataEdit
@testable import StrataTUI

/// The new-image mode: a prompt becomes layered candidates, seen layer by layer, and
/// one opens as the session's source with its generated mask.
final class NewImageModeTests: XCTestCase {
    let view = EditorView(cache: CellCache())

    /// A candidate whose foreground is the fixture scene's disc (soft at its edge) over
    /// a background of the given tint.
    static func candidate(seed: UInt64, tint: (UInt8, UInt8, UInt8)) -> LayeredCandidate {
        let scene = TUIFixtures.scene(tint: tint).rgb
        var mask = [UInt8](repeating: 0, count: 64 * 64), rgba = [UInt8](repeating: 0, count: 64 * 64 * 4)
        var background = [UInt8](repeating: 0, count: 64 * 64 * 3)
        for p in 0..<(64 * 64) {
            let x = p % 64, y = p / 64, d = (x - 28) * (x - 28) + (y - 40) * (y - 40)
            mask[p] = d < 81 ? 255 : (d < 121 ? 100 : 0)
            for c in 0..<3 { background[p * 3 + c] = y < 44 ? [150, 200, 250][c] : [70, 160, 60][c]; rgba[p * 4 + c] = scene[p * 3 + c] }
            rgba[p * 4 + 3] = mask[p]
        }
        return LayeredCandidate(seed: seed, side: 64, composite: scene, foregroundRGBA: rgba, background: background, mask: mask)
    }

    func testAPromptBecomesCandidatesAndOneOpensAsTheSource() {
        var s = TUIFixtures.state()
        s.fields[2] = LineEditor("a red fox sitting on a beach")
        _ = s.update(.key(.ctrl("n")))
        XCTAssertEqual(s.newImage?.prompt.text, "a red fox sitting on a beach")
        XCTAssertEqual(s.newImage?.seeds, [1, 2, 3, 4])
        // Typing edits the prompt; keys that mean something elsewhere are text here.
        _ = s.update(.key(.backspace)); _ = s.update(.key(.char("h"))); _ = s.update(.key(.char("q")))
        XCTAssertEqual(s.newImage?.prompt.text, "a red fox sitting on a beachq")
        _ = s.update(.key(.backspace))
        XCTAssertEqual(s.update(.key(.enter)), [.generateLayers(prompt: "a red fox sitting on a beach", seeds: [1, 2, 3, 4])])
        XCTAssertTrue(s.newImage!.isRunning)
        _ = s.update(.layersProgress(step: 30, total: 200))
        XCTAssertEqual(s.newImage?.progress?.step, 30)
        // While the mode is open, the edit's live preview waits.
        s.lastChange = 0
        XCTAssertEqual(s.update(.tick(10)), [.autosave])
        let candidates = [Self.candidate(seed: 1, tint: (200, 60, 40)), Self.candidate(seed: 2, tint: (40, 60, 200))]
        _ = s.update(.layered(.success(candidates)))
        XCTAssertFalse(s.newImage!.isRunning)
        XCTAssertEqual(s.newImage?.candidates.count, 2)
        _ = s.update(.key(.right))
        XCTAssertEqual(s.newImage?.selected, 1)
        // Views: each layer alone, and the composite with layers toggled.
        let n0 = s.newImage!
        XCTAssertEqual(n0.picture(candidates[1]), candidates[1].composite)
        _ = s.update(.key(.char("2"))); XCTAssertEqual(s.newImage?.picture(candidates[1]), candidates[1].foreground)
        _ = s.update(.key(.char("3"))); XCTAssertEqual(s.newImage?.picture(candidates[1]), candidates[1].background)
        _ = s.update(.key(.char("1"))); _ = s.update(.key(.char("b")))
        XCTAssertEqual(s.newImage?.picture(candidates[1]), candidates[1].foreground)
        XCTAssertEqual(s.newImage?.shownLayer, .foreground)
        XCTAssertEqual(s.update(.key(.char("s"))), [.saveLayer(candidates[1], .foreground)])
        _ = s.update(.key(.char("f")))
        XCTAssertNil(s.newImage?.picture(candidates[1]))
        _ = s.update(.key(.char("f"))); _ = s.update(.key(.char("b")))
        XCTAssertEqual(s.newImage?.shownLayer, .composite)
        // Enter opens the chosen candidate: its composite, its mask (m ≥ ½), the prompt split.
        s.results = [ResultSlot(seed: 9, picture: TUIFixtures.scene())]
        let effects = s.update(.key(.enter))
        XCTAssertEqual(effects, [.sourceReplaced, .autosave])
        XCTAssertNil(s.newImage)
        XCTAssertEqual(s.source, candidates[1].composite)
        XCTAssertEqual(s.mask.pixels, candidates[1].mask.map { $0 >= 128 ? 1 : 0 })
        XCTAssertEqual(s.subject, "a red fox sitting")
        XCTAssertEqual(s.background, "on a beach")
        XCTAssertTrue(s.results.isEmpty)
        XCTAssertEqual(s.stale, Set(EditStage.allCases))
        // The live preview of the edit starts after the debounce.
        let later = s.update(.tick(s.now + EditorState.debounce + 0.01))
        guard case .run? = later.last else { return XCTFail("the edit does not start: \(later), \(s.message)") }
    }

    func testEscapeCancelsAGenerationAndClosesTheMode() {
        var s = TUIFixtures.state()
        _ = s.update(.key(.ctrl("n")))
        _ = s.update(.key(.enter))
        XCTAssertEqual(s.update(.key(.escape)), [.cancelLayers])
        _ = s.update(.layered(.failure(LayersFailure("cancelled"))))
        XCTAssertEqual(s.message, "cancelled")
        XCTAssertFalse(s.newImage!.isRunning)
        XCTAssertEqual(s.update(.key(.escape)), [])
        XCTAssertNil(s.newImage)
        // An empty prompt is refused with a message.
        _ = s.update(.key(.ctrl("n")))
        s.newImage!.prompt = LineEditor("  ")
        XCTAssertEqual(s.update(.key(.enter)), [])
        XCTAssertEqual(s.message, "type a prompt first")
    }

    func testTheModeMatchesSnapshots() {
        var s = TUIFixtures.state(width: 120, height: 36)
        _ = s.update(.key(.ctrl("n")))
        if let d = TUIFixtures.checkSnapshot(view.render(s), "new-image-120x36") { XCTFail(d) }
        _ = s.update(.key(.enter))
        _ = s.update(.layered(.success([Self.candidate(seed: 1, tint: (200, 60, 40)), Self.candidate(seed: 2, tint: (40, 60, 200))])))
        _ = s.update(.key(.char("4")))
        if let d = TUIFixtures.checkSnapshot(view.render(s), "new-image-mask-120x36") { XCTFail(d) }
        _ = s.update(.resize(width: 80, height: 24))
        if let d = TUIFixtures.checkSnapshot(view.render(s), "new-image-mask-80x24") { XCTFail(d) }
    }

    /// The engine draws each seed's layers as `strata layers generate` does, and reports
    /// a missing model as a failure, not a crash.
    func testTheEngineGeneratesWhatTheLayersPipelineDraws() throws {
        let builtIn = TUIFixtures.root.appendingPathComponent("Assets/models/strata-sprites")
        let engine = EditorEngine(model: try EditModel(try StableDiffusionModel(folder: builtIn)), modelHash: "test", modelName: "built-in", cacheFolder: nil)
        XCTAssertNotNil(engine.startLayers(prompt: "a dog", seeds: [1]))
        let model = try NewImageModeTests.tinyLayeredModel()
        engine.loadLayeredModel = { model }
        XCTAssertNil(engine.startLayers(prompt: "a big dog jumping in a forest", seeds: [3, 5]))
        var candidates: [LayeredCandidate]?
        let deadline = Date().addingTimeInterval(120)
        while candidates == nil, Date() < deadline {
            for m in engine.pollLayers() { if case .layered(let r) = m { candidates = try r.get() } }
            usleep(20_000)
        }
        let got = try XCTUnwrap(candidates)
        XCTAssertEqual(got.map(\.seed), [3, 5])
        for c in got {
            var settings = TextToImageSettings(prompt: "a big dog jumping in a forest", width: model.sampleSize, height: model.sampleSize)
            settings.seed = c.seed
            var rng = TorchRandom(seed: c.seed)
            let want = LayeredOutputs.Pictures(try TextToLayers(model: model).run(settings, rng: &rng))
            XCTAssertEqual(c.composite.rgb, want.composite)
            XCTAssertEqual(c.foregroundRGBA, want.foreground)
            XCTAssertEqual(c.background.rgb, want.background)
            XCTAssertEqual(c.mask, want.mask)
        }
    }

    /// A random layered model small enough for a test (16×16 layers).
    static func tinyLayeredModel() throws -> LayeredModel {
        let root = TUIFixtures.root
        var text = CLIPTextConfig()
        text.hiddenSize = 32; text.intermediateSize = 64; text.numHiddenLayers = 2; text.numAttentionHeads = 2
        var unet = UNetConfig()
        unet.inChannels = 8; unet.outChannels = 8; unet.sampleSize = 8
        unet.blockOutChannels = [32, 32]; unet.layersPerBlock = 1; unet.attentionHeads = [2, 2]
        unet.downBlockTypes = ["CrossAttnDownBlock2D", "DownBlock2D"]; unet.upBlockTypes = ["UpBlock2D", "CrossAttnUpBlock2D"]
        unet.crossAttentionDim = 32; unet.normNumGroups = 8
        var vae = VAEConfig()
        vae.inChannels = 7; vae.outChannels = 7; vae.latentChannels = 8
        vae.blockOutChannels = [32, 32]; vae.layersPerBlock = 1; vae.normNumGroups = 8; vae.scalingFactor = 0.5; vae.sampleSize = 16
        var scheduler = SchedulerConfig()
        scheduler.className = "DDIMScheduler"
        return try LayeredModel(tokenizer: CLIPTokenizer(folder: root.appendingPathComponent("Assets/clip-tokenizer")),
                                textEncoder: CLIPTextModel(config: text, weights: .initialized(seed: 1)),
                                unet: UNet2DConditionModel(config: unet, weights: .initialized(seed: 2)),
                                codec: LayeredAutoencoder(config: vae, weights: .initialized(seed: 3), compositeHead: false),
                                schedulerConfig: scheduler)
    }
}
