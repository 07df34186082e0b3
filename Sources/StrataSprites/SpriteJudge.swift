// The judge: a small convolutional classifier that reads a 64×64 sprite-world image's
// animal, tint, size, pose and background. Every claim about generated or edited
// images is measured with it, so it is trained on renders and checked on fresh ones.
import Foundation
import StrataModels
import StrataTensor

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

    public init(weights: WeightStore) throws {
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
    }

    public convenience init(folder: URL) throws {
        try self.init(weights: WeightStore(path: folder.appendingPathComponent("judge.safetensors").path))
    }

    public static func shipped() throws -> SpriteJudge { try SpriteJudge(folder: StrataAssets.judge()) }

    /// Logits [N, 34] for images [N, 3, 64, 64] in [−1, 1].
    public func logits(_ images: Tensor) -> Tensor {
        precondition(images.rank == 4 && images.shape[1] == 3 && images.shape[2] == 64 && images.shape[3] == 64,
                     "judge: images must be [N, 3, 64, 64], got \(images.shape)")
        var x = images
        for (conv, norm) in convs { x = norm(conv(x)).silu() }
        return out(hidden(x.reshaped([images.shape[0], x.count / images.shape[0]])).silu())
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
