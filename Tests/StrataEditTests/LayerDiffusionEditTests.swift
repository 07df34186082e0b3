import Foundation
import XCTest
@testable import StrataEdit
@testable import StrataModels
@testable import StrataTensor

/// The edit pipeline on the tiny random Stable Diffusion components of the model tests
/// (32×32 images): its wiring, its stage cache and its errors. What edits achieve is
/// measured on the built-in model by `strata eval edit`, not here.
final class LayerDiffusionEditTests: XCTestCase {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../StrataModelsTests/Fixtures/models").standardized
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    static func tinyModel() throws -> StableDiffusionModel {
        StableDiffusionModel(
            tokenizer: try CLIPTokenizer(folder: root.appendingPathComponent("Assets/clip-tokenizer")),
            textEncoder: try CLIPTextModel(folder: models.appendingPathComponent("pipeline_tiny/text_encoder")),
            unet: try UNet2DConditionModel(folder: models.appendingPathComponent("unet_tiny")),
            vae: try AutoencoderKL(folder: models.appendingPathComponent("vae_tiny")),
            schedulerConfig: try SchedulerConfig.load(models.appendingPathComponent("pipeline_tiny/scheduler_config.json")))
    }

    /// A 32×32 picture: a disc of one colour (the subject) on a two-colour background.
    static func inputs() -> EditInputs {
        let image = Tensor(zeros: [1, 3, 32, 32]), mask = Tensor(zeros: [1, 1, 32, 32])
        for y in 0..<32 { for x in 0..<32 {
            let inside = (x - 14) * (x - 14) + (y - 18) * (y - 18) < 36
            let colour: [Float] = inside ? [0.2, 0.3, 0.9] : (y < 20 ? [0.6, 0.8, 1.0] : [0.3, 0.7, 0.2])
            for c in 0..<3 { image.data[c * 1024 + y * 32 + x] = colour[c] }
            if inside { mask.data[y * 32 + x] = 1 }
        } }
        return EditInputs(source: image, subjectMask: mask, subjectText: "a dog jumping", backgroundText: "in a forest")
    }

    static func quickSettings() -> EditSettings {
        var s = EditSettings()
        s.embeddingSteps = 3; s.finetuneSteps = 2; s.finetuneLR = 1e-4; s.samplingSteps = 3; s.seeds = [5, 6]
        return s
    }

    func testWholeEditReportsEveryStageAndLeavesTheModelAlone() throws {
        let model = try Self.tinyModel()
        let before = model.unet.parameters.tensors.flatMap { $0.tensor.scalars }
        let edit = LayerDiffusionEdit(model: try EditModel(model), modelHash: "tiny")
        var seen: [EditStage: Int] = [:]
        var lossesFinite = true
        let result = try edit.run(Self.inputs(), settings: Self.quickSettings()) { p in
            seen[p.stage] = max(seen[p.stage] ?? 0, p.step)
            if let o = p.objectLoss, let b = p.backgroundLoss { lossesFinite = lossesFinite && o.isFinite && b.isFinite }
            XCTAssertLessThanOrEqual(p.step, p.total)
            return true
        }
        XCTAssertEqual(seen[.reference], LayerDiffusionEdit.referenceSteps)
        XCTAssertEqual(seen[.optimise], 3); XCTAssertEqual(seen[.finetune], 2); XCTAssertEqual(seen[.sample], 6)
        XCTAssert(lossesFinite)
        XCTAssertEqual(result.images.count, 2)
        for image in result.images {
            XCTAssertEqual(image.shape, [1, 3, 32, 32])
            XCTAssert(image.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        XCTAssertNotEqual(result.images[0].scalars, result.images[1].scalars, "two seeds, two results")
        XCTAssertNotNil(result.finalLosses[.optimise]); XCTAssertNotNil(result.finalLosses[.finetune])
        XCTAssertEqual(model.unet.parameters.tensors.flatMap { $0.tensor.scalars }, before, "the model's own UNet is never changed")
    }

    func testAChangeRerunsOnlyTheStagesItMakesStale() throws {
        let edit = LayerDiffusionEdit(model: try EditModel(try Self.tinyModel()), modelHash: "tiny")
        let inputs = Self.inputs()
        var s = Self.quickSettings()
        let first = try edit.run(inputs, settings: s)
        XCTAssert(first.reused.isEmpty)

        s.guidanceScale = 3
        let guidance = try edit.run(inputs, settings: s)
        XCTAssertEqual(guidance.reused, [.reference, .optimise, .finetune])
        XCTAssertNotEqual(guidance.images[0].scalars, first.images[0].scalars)

        s.guidanceScale = 7.5; s.guidanceStart = 0.5
        let late = try edit.run(inputs, settings: s)
        XCTAssertEqual(late.reused, [.reference, .optimise, .finetune])
        XCTAssertNotEqual(late.images[0].scalars, first.images[0].scalars)

        s.guidanceStart = 0; s.identityGuidance = 1
        let identity = try edit.run(inputs, settings: s)
        XCTAssertEqual(identity.reused, [.reference, .optimise, .finetune])
        XCTAssertNotEqual(identity.images[0].scalars, first.images[0].scalars)

        s.identityGuidance = 0; s.alpha = 0.4
        let alpha = try edit.run(inputs, settings: s)
        XCTAssertEqual(alpha.reused, [.reference, .optimise])

        s.alpha = 0.7
        let back = try edit.run(inputs, settings: s)
        XCTAssertEqual(back.reused, [.reference, .optimise, .finetune, .sample])
        XCTAssertEqual(back.images[1].scalars, first.images[1].scalars, "going back shows the earlier result")

        // The same results come back from a cache folder in a new process's cache.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("strata-cache-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let onDisk = LayerDiffusionEdit(model: edit.model, modelHash: "tiny", cache: StageCache(folder: folder))
        let written = try onDisk.run(inputs, settings: s)
        let reread = try LayerDiffusionEdit(model: edit.model, modelHash: "tiny", cache: StageCache(folder: folder)).run(inputs, settings: s)
        XCTAssertEqual(reread.reused, [.reference, .optimise, .finetune, .sample])
        XCTAssertEqual(reread.images[0].scalars, written.images[0].scalars)
    }

    /// Colour matching finishes the sampled images: only pixels under the mask suggested
    /// on each result change, the samples themselves come from the cache, and a second run
    /// takes the matched images from the cache too.
    func testColourMatchingChangesOnlyEachResultsSubject() throws {
        let edit = LayerDiffusionEdit(model: try EditModel(try Self.tinyModel()), modelHash: "tiny")
        var s = Self.quickSettings()
        let plain = try edit.run(Self.inputs(), settings: s)
        XCTAssertNil(plain.resultMasks)
        s.colourMatch = 1
        let matched = try edit.run(Self.inputs(), settings: s)
        XCTAssertEqual(matched.reused, Set(EditStage.allCases), "the samples are the same")
        let masks = try XCTUnwrap(matched.resultMasks)
        var changed = 0
        for (i, (a, b)) in zip(plain.images, matched.images).enumerated() {
            for c in 0..<3 { for p in 0..<1024 where a.data[c * 1024 + p] != b.data[c * 1024 + p] {
                XCTAssertGreaterThan(masks[i].data[p], 0.5, "a changed pixel lies in the result's subject mask")
                changed += 1
            } }
        }
        XCTAssertGreaterThan(changed, 0)
        let again = try edit.run(Self.inputs(), settings: s, cachedOnly: true)
        for (a, b) in zip(again.images, matched.images) { XCTAssertEqual(a.scalars, b.scalars) }
    }

    /// Masks suggested for several images together are those each gets alone (the same
    /// noise draws; one UNet call per draw for all).
    func testMasksSuggestedTogetherMatchEachAlone() throws {
        let model = try EditModel(try Self.tinyModel())
        var rng = StrataRandom(seed: 3)
        let images = [Self.inputs().source, Tensor.uniform([1, 3, 32, 32], using: &rng)]
        let together = MaskSuggestion.differences(model: model, images: images, query: "a dog jumping", reference: "in a forest",
                                                  draws: 3, strength: 0.5, seed: 4)
        for (image, map) in zip(images, together) {
            let alone = MaskSuggestion.difference(model: model, image: image, query: "a dog jumping", reference: "in a forest",
                                                  draws: 3, strength: 0.5, seed: 4)
            XCTAssertEqual(map.count, alone.count)
            for (a, b) in zip(map, alone) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        }
        XCTAssertNotEqual(together[0], together[1])
    }

    /// Runs shown together keep one mask per image, or none; picking images picks their masks.
    func testResultsJoinAndPickWithTheirMasks() {
        func result(_ values: [Float], masks: Bool) -> EditResult {
            let t = Tensor(zeros: [1, 1, 1, 1])
            var r = EditResult(images: values.map { Tensor([$0], shape: [1, 1, 1, 1]) }, reference: t, referenceMask: t, placementMask: t,
                               subjectEmbedding: t, mixedEmbedding: t)
            if masks { r.resultMasks = values.map { Tensor([-$0], shape: [1, 1, 1, 1]) } }
            return r
        }
        var both = result([1, 2], masks: true)
        both.append(result([3], masks: true))
        XCTAssertEqual(both.images.map { $0.item }, [1, 2, 3]); XCTAssertEqual(both.resultMasks?.map { $0.item }, [-1, -2, -3])
        let picked = both.picking([2, 0])
        XCTAssertEqual(picked.images.map { $0.item }, [3, 1]); XCTAssertEqual(picked.resultMasks?.map { $0.item }, [-3, -1])
        var mixed = result([1], masks: true)
        mixed.append(result([2], masks: false))
        XCTAssertEqual(mixed.images.count, 2); XCTAssertNil(mixed.resultMasks)
    }

    /// A cache-only run returns a result whole from the cache, or names the first stage
    /// that is missing, without computing anything.
    func testCacheOnlyRunsComputeNothing() throws {
        let edit = LayerDiffusionEdit(model: try EditModel(try Self.tinyModel()), modelHash: "tiny")
        let s = Self.quickSettings()
        XCTAssertThrowsError(try edit.run(Self.inputs(), settings: s, cachedOnly: true)) { XCTAssertEqual($0 as? EditError, .notCached(.reference)) }
        let first = try edit.run(Self.inputs(), settings: s)
        var steps = 0
        let again = try edit.run(Self.inputs(), settings: s, cachedOnly: true) { p in if p.step < p.total { steps += 1 }; return true }
        XCTAssertEqual(steps, 0)
        XCTAssertEqual(again.reused, Set(EditStage.allCases))
        for (a, b) in zip(first.images, again.images) { XCTAssertEqual(a.scalars, b.scalars) }
        var other = s
        other.seeds = [5, 99]
        XCTAssertThrowsError(try edit.run(Self.inputs(), settings: other, cachedOnly: true)) { XCTAssertEqual($0 as? EditError, .notCached(.sample)) }
        other = s
        other.alpha = 0.4
        XCTAssertThrowsError(try edit.run(Self.inputs(), settings: other, cachedOnly: true)) { XCTAssertEqual($0 as? EditError, .notCached(.finetune)) }
    }

    func testCancellationStopsBetweenSteps() throws {
        let edit = LayerDiffusionEdit(model: try EditModel(try Self.tinyModel()), modelHash: "tiny")
        XCTAssertThrowsError(try edit.run(Self.inputs(), settings: Self.quickSettings()) { $0.stage != .optimise || $0.step < 2 }) {
            XCTAssertEqual($0 as? EditError, .cancelled(.optimise))
        }
        XCTAssertThrowsError(try edit.run(Self.inputs(), settings: Self.quickSettings()) { $0.stage != .sample }) {
            XCTAssertEqual($0 as? EditError, .cancelled(.sample))
        }
    }

    func testBadInputsAndDivergenceGiveErrors() throws {
        let edit = LayerDiffusionEdit(model: try EditModel(try Self.tinyModel()), modelHash: "tiny")
        var empty = Self.inputs(); empty.subjectMask = Tensor(zeros: [1, 1, 32, 32])
        XCTAssertThrowsError(try edit.run(empty, settings: Self.quickSettings())) { XCTAssert("\($0)".contains("empty")) }
        var full = Self.inputs(); full.subjectMask = Tensor(repeating: 1, shape: [1, 1, 32, 32])
        XCTAssertThrowsError(try edit.run(full, settings: Self.quickSettings())) { XCTAssert("\($0)".contains("whole image")) }
        var noText = Self.inputs(); noText.backgroundText = " "
        XCTAssertThrowsError(try edit.run(noText, settings: Self.quickSettings())) { XCTAssert("\($0)".contains("background text")) }
        var wild = Self.quickSettings(); wild.finetuneLR = 1e30
        XCTAssertThrowsError(try edit.run(Self.inputs(), settings: wild)) {
            guard case .diverged(.finetune, _)? = $0 as? EditError else { return XCTFail("\($0)") }
        }
    }

    /// A job whose estimated peak is above the limit is refused before any stage runs;
    /// the estimate counts the weights exactly and orders the modes by what they train.
    func testJobsThatCannotFitAreRefusedBeforeTheyStart() throws {
        let model = try EditModel(try Self.tinyModel())
        var s = Self.quickSettings()
        let parameters = [model.model.unet.parameters, model.model.vae.parameters, model.model.textEncoder.parameters]
            .reduce(0) { $0 + $1.tensors.reduce(0) { $0 + $1.tensor.count } }
        let full = MemoryEstimate.edit(model: model, settings: s, side: 32)
        XCTAssertEqual(full.parts["weights"], 4 * parameters)
        s.finetuneMode = .attention
        let attention = MemoryEstimate.edit(model: model, settings: s, side: 32)
        s.finetuneMode = .lora
        let lora = MemoryEstimate.edit(model: model, settings: s, side: 32)
        XCTAssertGreaterThan(full.parts["finetune"]!, attention.parts["finetune"]!)
        XCTAssertGreaterThan(attention.parts["finetune"]!, lora.parts["finetune"]!)
        XCTAssertGreaterThan(MemoryEstimate.edit(model: model, settings: s, side: 64).peakBytes, lora.peakBytes)
        s.mixEmbeddingLR = 1e-2
        XCTAssertGreaterThan(MemoryEstimate.edit(model: model, settings: s, side: 32).peakBytes, lora.peakBytes)

        let edit = LayerDiffusionEdit(model: model, modelHash: "tiny")
        edit.memoryLimit = full.peakBytes - 1
        var started = false
        XCTAssertThrowsError(try edit.run(Self.inputs(), settings: Self.quickSettings()) { _ in started = true; return true }) {
            XCTAssertEqual($0 as? EditError, .memory(needed: full.peakBytes, limit: full.peakBytes - 1))
            XCTAssert("\($0)".contains("GB"))
        }
        XCTAssertFalse(started)
        edit.memoryLimit = full.peakBytes
        XCTAssertEqual(try edit.run(Self.inputs(), settings: Self.quickSettings()).images.count, 2)
    }

    /// With ê_a = e_opt = Enc(T) and no alternation to speak of, stage 3 is text-to-image
    /// (checked against diffusers in the model tests) from the same seed, guidance starting
    /// late in both.
    func testIterativeGuidanceReducesToTextToImage() throws {
        let sd = try Self.tinyModel()
        let model = try EditModel(sd)
        let text = model.text("a dog jumping in a forest")
        var guidance = IterativeGuidance(steps: 4, guidanceScale: 7.5, scheduler: .ddim)
        guidance.guidanceStart = 0.25
        let image = try guidance
            .run(model: model, unet: sd.unet, subject: text, mixed: text, empty: model.text(""), latentShape: [1, 4, 16, 16], seeds: [9]) { _ in true }[0]
        var t2i = TextToImageSettings(prompt: "a dog jumping in a forest", width: 32, height: 32)
        t2i.steps = 4; t2i.guidanceStart = 0.25
        var rng = TorchRandom(seed: 9)
        let expected = try TextToImage(model: sd).run(t2i, rng: &rng)
        XCTAssertLessThanOrEqual(relativeError(image, expected), 1e-5)  // float rounding of other batch layouts: 1.4e-6 measured on Zen 4
    }

    /// Seeds sampled together as one batch give each seed's picture as sampling it alone
    /// does (up to float rounding of the other batch layout), in the order asked; an
    /// ancestral sampler and Stable Diffusion-sized latents keep one seed at a time.
    func testSeedsSampledTogetherMatchEachAlone() throws {
        let sd = try Self.tinyModel()
        let model = try EditModel(sd)
        let subject = model.text("a dog jumping"), mixed = model.text("a dog jumping in a forest")
        let guidance = IterativeGuidance(steps: 4, guidanceScale: 4, scheduler: .ddim)
        XCTAssertTrue(guidance.samplesTogether([1, 2, 3], latentSide: 8))
        XCTAssertFalse(guidance.samplesTogether([1], latentSide: 8))
        XCTAssertFalse(guidance.samplesTogether([1, 2], latentSide: 64))
        XCTAssertFalse(IterativeGuidance(steps: 4, guidanceScale: 4, scheduler: .eulerAncestral).samplesTogether([1, 2], latentSide: 8))
        func sample(_ seeds: [UInt64]) throws -> [Tensor] {
            try guidance.run(model: model, unet: sd.unet, subject: subject, mixed: mixed, empty: model.text(""),
                             latentShape: [1, 4, 16, 16], seeds: seeds) { _ in true }
        }
        let together = try sample([5, 3, 11])
        XCTAssertEqual(together.count, 3)
        for (image, seed) in zip(together, [5, 3, 11] as [UInt64]) {
            XCTAssertLessThanOrEqual(relativeError(image, try sample([seed])[0]), 1e-5)
        }
        XCTAssertGreaterThan(relativeError(together[0], together[1]), 1e-2, "different seeds, different pictures")
    }

    func testMaskOperations() {
        let mask = Tensor(zeros: [1, 1, 8, 8])
        for y in 4..<8 { for x in 2..<4 { mask.data[y * 8 + x] = 1 } }
        let small = MaskOps.downsample(mask, factor: 4)
        XCTAssertEqual(small.scalars, [0, 0, 0.5, 0])
        let moved = MaskOps.placed(mask, dx: 3, dy: -1, scale: 1)
        XCTAssertEqual(MaskOps.box(moved).map { [$0.0, $0.1, $0.2, $0.3] }, [5, 3, 6, 6])
        let doubled = MaskOps.placed(mask, dx: 0, dy: 0, scale: 2)
        XCTAssertEqual(MaskOps.box(doubled).map { [$0.0, $0.1, $0.2, $0.3] }, [1, 0, 4, 7], "scaled about the bottom centre")
        // Flood fill stops at a colour edge.
        let image = Tensor(zeros: [1, 3, 8, 8])
        for i in 0..<64 where i % 8 >= 5 { image.data[i] = 1 }
        let fill = MaskSuggestion.floodFill(image: image, x: 0, y: 0, tolerance: 0.1)
        XCTAssertEqual(fill.scalars.filter { $0 == 1 }.count, 40)
    }
}
