// The judge: a small convolutional classifier that reads a 64×64 sprite-world image's
// animal, tint, size, pose and background. Every claim about generated or edited
// images is measured with it, so it is trained on renders and checked on fresh ones.
import Foundation
import StrataModels
import StrataTensor

/// What the judge's layer heads read: whether a subject is there at all, and its mask.
public struct JudgeLayerReading: Equatable, Sendable {
    public var hasSubject: Bool
    /// Probability that a subject is there.
    public var subjectConfidence: Float
    /// The subject's mask, 64×64 row-major probabilities (a pixel is subject above 0.5).
    public var mask: [Float]
}

public struct JudgeReading: Equatable, Sendable {
    public var animal: Animal, tint: Tint, size: SpriteSize, pose: Pose, background: Background
    /// Softmax probability of each reading, in the order above.
    public var confidences: [Float]

    public func matches(_ spec: SceneSpec) -> [Bool] {
        [animal == spec.animal, tint == spec.tint, size == spec.size, pose == spec.pose, background == spec.background]
    }
}

public final class SpriteJudge {
    /// Classes per head: animal, tint, size, pose, background.
    public static let heads = [Animal.allCases.count, Tint.allCases.count, SpriteSize.allCases.count,
                               Pose.allCases.count, Background.allCases.count]
    public static let headNames = ["animal", "tint", "size", "pose", "background"]
    static let channels = [32, 64, 64, 128, 128, 128, 256]
    static let strides = [1, 2, 1, 2, 1, 2, 2]

    public let parameters: ParameterRegistry
    let convs: [(Conv2d, GroupNorm)]
    let hidden: Linear, out: Linear
    /// The layer heads, trained after the rest on the frozen trunk (so the five readings
    /// and every figure measured with them stay as they were): a subject / no-subject
    /// answer on the hidden features, and a mask decoder on the trunk's 16, 32 and
    /// 64-pixel features. Nil for a judge file without them.
    let layerHeads: LayerHeads?

    struct LayerHeads {
        let subject: Linear
        let up16: Conv2d, norm16: GroupNorm, up32: Conv2d, norm32: GroupNorm, out: Conv2d

        static let prefixes = ["subject.", "mask."]

        init(_ p: ParameterRegistry) throws {
            subject = try Linear(p, "subject", 256, 2)
            up16 = try Conv2d(p, "mask.up16", SpriteJudge.channels[4] + SpriteJudge.channels[2], 64, kernel: 3, padding: 1)
            norm16 = try GroupNorm(p, "mask.norm16", 64, groups: 8, eps: 1e-5)
            up32 = try Conv2d(p, "mask.up32", 64 + SpriteJudge.channels[0], 32, kernel: 3, padding: 1)
            norm32 = try GroupNorm(p, "mask.norm32", 32, groups: 8, eps: 1e-5)
            out = try Conv2d(p, "mask.out", 32, 1, kernel: 1)
        }

        /// Mask logits [N, 1, 64, 64] from the trunk's outputs at 64, 32 and 16 pixels.
        func mask(_ f64: Tensor, _ f32: Tensor, _ f16: Tensor) -> Tensor {
            let x = norm16(up16(Tensor.concat([f16.upsampleNearest2x(), f32], axis: 1))).silu()
            return out(norm32(up32(Tensor.concat([x.upsampleNearest2x(), f64], axis: 1))).silu())
        }
    }

    /// Whether this judge has the subject and mask heads.
    public var hasLayerHeads: Bool { layerHeads != nil }

    /// Names of the layer heads' parameters (the ones a layer-head run trains).
    public static func isLayerHead(_ name: String) -> Bool { LayerHeads.prefixes.contains { name.hasPrefix($0) } }

    /// `layerHeads`: build the layer heads (nil: when the weights hold them).
    public init(weights: WeightStore, layerHeads: Bool? = nil) throws {
        let p = ParameterRegistry(weights)
        parameters = p
        var inC = 3, layers: [(Conv2d, GroupNorm)] = []
        for (i, c) in Self.channels.enumerated() {
            layers.append((try Conv2d(p, "convs.\(i)", inC, c, kernel: 3, stride: Self.strides[i], padding: 1),
                           try GroupNorm(p, "norms.\(i)", c, groups: 8, eps: 1e-5)))
            inC = c
        }
        convs = layers
        hidden = try Linear(p, "hidden", inC * 16, 256)
        out = try Linear(p, "out", 256, Self.heads.reduce(0, +))
        self.layerHeads = (layerHeads ?? weights.contains("subject.weight")) ? try LayerHeads(p) : nil
    }

    public convenience init(folder: URL) throws {
        try self.init(weights: WeightStore(path: folder.appendingPathComponent("judge.safetensors").path))
    }

    public static func shipped() throws -> SpriteJudge { try SpriteJudge(folder: StrataAssets.judge()) }

    /// Logits [N, 34] for images [N, 3, 64, 64] in [−1, 1].
    public func logits(_ images: Tensor) -> Tensor { out(trunk(images).hidden) }

    /// The trunk's outputs: each convolution's (64 down to 4 pixels) and the hidden
    /// features that every head reads (the penultimate layer).
    public func trunk(_ images: Tensor) -> (convs: [Tensor], hidden: Tensor) {
        precondition(images.rank == 4 && images.shape[1] == 3 && images.shape[2] == 64 && images.shape[3] == 64,
                     "judge: images must be [N, 3, 64, 64], got \(images.shape)")
        var x = images, outputs: [Tensor] = []
        for (conv, norm) in convs { x = norm(conv(x)).silu(); outputs.append(x) }
        return (outputs, hidden(x.reshaped([images.shape[0], x.count / images.shape[0]])).silu())
    }

    /// The layer heads' logits: subject [N, 2] (index 1: a subject is there) and mask
    /// [N, 1, 64, 64], from the trunk's outputs (`trunk(images)`).
    public func layerLogits(_ trunk: (convs: [Tensor], hidden: Tensor)) -> (subject: Tensor, mask: Tensor) {
        guard let layerHeads else { preconditionFailure("judge: this judge file has no layer heads") }
        return (layerHeads.subject(trunk.hidden), layerHeads.mask(trunk.convs[0], trunk.convs[2], trunk.convs[4]))
    }

    /// Reads whether each image holds a subject, and its mask.
    public func readLayers(_ images: Tensor) -> [JudgeLayerReading] {
        let (subject, mask) = GradMode.disabled { layerLogits(trunk(images)) }
        return (0..<images.shape[0]).map { i in
            let yes = 1 / (1 + Foundation.exp(subject.data[i * 2] - subject.data[i * 2 + 1]))
            let m = (0..<4096).map { 1 / (1 + Foundation.exp(-mask.data[i * 4096 + $0])) }
            return JudgeLayerReading(hasSubject: yes > 0.5, subjectConfidence: yes, mask: m)
        }
    }

    /// The logits of one head, [N, classes].
    public static func head(_ logits: Tensor, _ h: Int) -> Tensor {
        let start = heads.prefix(h).reduce(0, +)
        return logits.slice(axis: 1, start..<(start + heads[h]))
    }

    public func read(_ images: Tensor) -> [JudgeReading] {
        let l = GradMode.disabled { logits(images) }
        let n = images.shape[0], width = l.shape[1]
        return (0..<n).map { i in
            var picks: [Int] = [], confidences: [Float] = []
            var start = 0
            for size in Self.heads {
                let row = l.data + i * width + start
                var best = 0
                for c in 1..<size where row[c] > row[best] { best = c }
                var sum: Float = 0
                for c in 0..<size { sum += Foundation.exp(row[c] - row[best]) }
                picks.append(best); confidences.append(1 / sum)
                start += size
            }
            return JudgeReading(animal: Animal(rawValue: picks[0])!, tint: Tint(rawValue: picks[1])!,
                                size: SpriteSize(rawValue: picks[2])!, pose: Pose(rawValue: picks[3])!,
                                background: Background(rawValue: picks[4])!, confidences: confidences)
        }
    }

    /// Images [N, 3, 64, 64] in [−1, 1] from 8-bit RGB 64×64 pictures.
    public static func images(_ pictures: [[UInt8]]) -> Tensor {
        let t = Tensor(zeros: [pictures.count, 3, 64, 64])
        for (n, rgb) in pictures.enumerated() {
            precondition(rgb.count == 64 * 64 * 3, "judge: a picture must be 64×64 RGB")
            for i in 0..<(64 * 64) { for c in 0..<3 { t.data[(n * 3 + c) * 4096 + i] = Float(rgb[i * 3 + c]) / 127.5 - 1 } }
        }
        return t
    }
}
