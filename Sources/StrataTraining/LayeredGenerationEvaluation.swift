// How well layered generation does what docs/layers.md asks, on prompts of fresh scenes
// (evaluation seeds), each generated image counting on its own:
// - composite: the judge reads animal, pose, size and place as the prompt says;
// - background: the judge reads the prompt's place, and the subject head "no subject";
// - foreground: F over the background of a fresh scene, the judge reads the prompt's
//   animal, size and pose and the fresh scene's place (tint is free: its spread is kept);
// - mask: IoU of m (> 0.5) with the mask head's reading of that same composite;
// - sprite-world Fréchet distance of the composites' judge features against renders of
//   the same prompts, and between two sets of renders of the same prompts (the floor).
// An image model (no layers) gets the composite measures and the distance only.
import Foundation
import StrataLayers
import StrataSprites
import StrataTensor

public struct LayeredGenerationEvaluation {
    /// What a method generates for one prompt and seed: layers, or an image alone
    /// ([1, 3, 64, 64] in [−1, 1]).
    public enum Generated {
        case layers(TwoLayerImages)
        case image(Tensor)

        var composite: Tensor {
            switch self {
            case .layers(let l): return l.composite.clamped(-1, 1)
            case .image(let i): return i
            }
        }
    }

    /// What `strata eval layers --json` prints; per-image outcomes are kept so that two
    /// methods run on the same prompts and seeds compare pairwise.
    public struct Report: Codable {
        public var method: String
        public var count: Int
        public var seed: UInt64
        public var compositeAllFour: SampleMean
        public var compositePerAttribute: [String: SampleMean]
        public var backgroundPlace: SampleMean?, backgroundNoSubject: SampleMean?, backgroundBoth: SampleMean?
        public var foregroundAllThree: SampleMean?
        public var foregroundPerAttribute: [String: SampleMean]?
        public var foregroundTintShares: [String: Double]?
        public var maskIoU: SampleMean?
        public var maskIoUQuantiles: [Double]?
        public var frechet: Double
        public var frechetRenderFloor: Double
        public var secondsPerImage: Double
        /// Per image: composite all four right (0/1), and the mask IoU (layers only).
        public var compositeOutcomes: [Double]
        public var maskIoUs: [Double]?

        enum CodingKeys: String, CodingKey {
            case method, count, seed, frechet
            case compositeAllFour = "composite_all_four", compositePerAttribute = "composite_per_attribute"
            case backgroundPlace = "background_place", backgroundNoSubject = "background_no_subject", backgroundBoth = "background_both"
            case foregroundAllThree = "foreground_all_three", foregroundPerAttribute = "foreground_per_attribute"
            case foregroundTintShares = "foreground_tint_shares", maskIoU = "mask_iou", maskIoUQuantiles = "mask_iou_quantiles"
            case frechetRenderFloor = "frechet_render_floor", secondsPerImage = "seconds_per_image"
            case compositeOutcomes = "composite_outcomes", maskIoUs = "mask_ious"
        }
    }

    /// This run minus another on the same prompts and seeds, image by image.
    public struct PairedDifferences: Codable {
        public var other: String
        public var compositeAllFour: SampleMean
        public var maskIoU: SampleMean?
        public var frechet: Double
        enum CodingKeys: String, CodingKey { case other, frechet, compositeAllFour = "composite_all_four", maskIoU = "mask_iou" }
    }

    public let judge: SpriteJudge
    public let renderer: SceneRenderer

    public init(judge: SpriteJudge, renderer: SceneRenderer) {
        precondition(judge.hasLayerHeads, "layered evaluation: the judge needs its subject and mask heads")
        self.judge = judge; self.renderer = renderer
    }

    /// The prompt scene of image `index`, and its noise seed (as `strata eval generate`).
    public static func scene(_ seed: UInt64, index: Int) -> (spec: SceneSpec, noiseSeed: UInt64) {
        (SceneSpec(seed: SceneSpec.evaluationSeed(seed, index: index)), seed &* 100_003 &+ UInt64(index))
    }

    /// A second render of the same prompt: another scene's tint, ground and details.
    static func otherRender(of spec: SceneSpec, seed: UInt64, index: Int) -> SceneSpec {
        var other = SceneSpec(seed: SceneSpec.evaluationSeed(seed &+ 2_000, index: index))
        other.animal = spec.animal; other.size = spec.size; other.pose = spec.pose; other.background = spec.background
        return other
    }

    static func tensor(_ rgb: [UInt8]) -> Tensor { SpriteJudge.images([rgb]) }

    public func run(method: String, count: Int, seed: UInt64, generate: (_ prompt: String, _ noiseSeed: UInt64) throws -> Generated,
                    progress: (Int) -> Void = { _ in }) throws -> Report {
        let names = ["animal", "pose", "size", "background"]
        var composite = [[Bool]](repeating: [], count: 4), compositeAll: [Bool] = []
        var place: [Bool] = [], empty: [Bool] = [], both: [Bool] = []
        var foreground = [[Bool]](repeating: [], count: 4)
        var tints = [Int](repeating: 0, count: Tint.allCases.count)
        var ious: [Double] = []
        var generatedFeatures: [[Double]] = [], renderFeatures: [[Double]] = [], floorFeatures: [[Double]] = []
        var seconds = 0.0
        var hasLayers = false
        for i in 0..<count {
            let (spec, noiseSeed) = Self.scene(seed, index: i)
            let t0 = Date()
            let generated = try generate(spec.caption.text, noiseSeed)
            seconds += Date().timeIntervalSince(t0)
            let c = generated.composite
            let r = judge.read(c)[0]
            let m = [r.animal == spec.animal, r.pose == spec.pose, r.size == spec.size, r.background == spec.background]
            for k in 0..<4 { composite[k].append(m[k]) }
            compositeAll.append(m.allSatisfy { $0 })
            generatedFeatures.append(features(c))
            renderFeatures.append(features(Self.tensor(renderer.render(spec).rgb)))
            floorFeatures.append(features(Self.tensor(renderer.render(Self.otherRender(of: spec, seed: seed, index: i)).rgb)))
            if case .layers(let layers) = generated {
                hasLayers = true
                let b = layers.background.clamped(-1, 1)
                let rb = judge.read(b)[0], lb = judge.readLayers(b)[0]
                place.append(rb.background == spec.background); empty.append(!lb.hasSubject)
                both.append(rb.background == spec.background && !lb.hasSubject)
                let fresh = renderer.renderLayers(seed: SceneSpec.evaluationSeed(seed &+ 1_000, index: i))
                let freshB = Self.tensor(fresh.backgroundBytes)
                let over = (freshB + layers.mask * (layers.foreground.clamped(-1, 1) - freshB))
                let rf = judge.read(over)[0], lf = judge.readLayers(over)[0]
                let f = [rf.animal == spec.animal, rf.pose == spec.pose, rf.size == spec.size, rf.background == fresh.spec.background]
                for k in 0..<4 { foreground[k].append(f[k]) }
                tints[rf.tint.rawValue] += 1
                ious.append(maskIoU(Array(UnsafeBufferPointer(start: layers.mask.data, count: 4096)), lf.mask))
            }
            progress(i + 1)
        }
        let perAttribute = { (o: [[Bool]]) in Dictionary(uniqueKeysWithValues: zip(names, o.map { SampleMean(outcomes: $0) })) }
        var report = Report(method: method, count: count, seed: seed, compositeAllFour: SampleMean(outcomes: compositeAll),
                            compositePerAttribute: perAttribute(composite),
                            frechet: FrechetDistance.distance(generatedFeatures, renderFeatures),
                            frechetRenderFloor: FrechetDistance.distance(floorFeatures, renderFeatures),
                            secondsPerImage: seconds / Double(max(count, 1)), compositeOutcomes: compositeAll.map { $0 ? 1 : 0 })
        if hasLayers {
            report.backgroundPlace = SampleMean(outcomes: place); report.backgroundNoSubject = SampleMean(outcomes: empty)
            report.backgroundBoth = SampleMean(outcomes: both)
            var fg = perAttribute(foreground)
            fg["fresh_background"] = fg.removeValue(forKey: "background")
            report.foregroundPerAttribute = fg
            // animal (0), pose (1) and size (2); the fresh scene's place (3) is reported apart
            report.foregroundAllThree = SampleMean(outcomes: foreground[0].indices.map { foreground[0][$0] && foreground[1][$0] && foreground[2][$0] })
            report.foregroundTintShares = Dictionary(uniqueKeysWithValues: zip(Tint.allCases.map(\.word), tints.map { Double($0) / Double(max(count, 1)) }))
            report.maskIoU = SampleMean(ious); report.maskIoUQuantiles = quantiles(ious, [0.05, 0.25, 0.5, 0.75]); report.maskIoUs = ious
        }
        return report
    }

    /// The judge's penultimate features of one image [1, 3, 64, 64].
    func features(_ image: Tensor) -> [Double] {
        let h = GradMode.disabled { judge.trunk(image).hidden }
        return (0..<h.count).map { Double(h.data[$0]) }
    }
}

extension LayeredGenerationEvaluation.Report {
    /// Paired differences against `other`, measured on the same prompts and seeds.
    public func pairedDifferences(against other: Self) -> LayeredGenerationEvaluation.PairedDifferences {
        precondition(other.count == count && other.seed == seed, "paired differences need the same prompts and seeds")
        let composite = SampleMean(zip(compositeOutcomes, other.compositeOutcomes).map { $0 - $1 })
        var iou: SampleMean?
        if let a = maskIoUs, let b = other.maskIoUs { iou = SampleMean(zip(a, b).map { $0 - $1 }) }
        return .init(other: other.method, compositeAllFour: composite, maskIoU: iou, frechet: frechet - other.frechet)
    }
}
