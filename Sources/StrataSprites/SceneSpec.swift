// What a scene shows, drawn from its seed. The draw order below is the mapping from
// seed to scene; changing it changes every scene, so it is fixed.
import StrataTensor

public struct SceneSpec: Codable, Equatable, Sendable {
    public var animal: Animal
    public var tint: Tint
    public var size: SpriteSize
    public var pose: Pose
    public var background: Background
    /// First ground row, in 44...52.
    public var groundLine: Int
    /// Seeds the subject's horizontal place and the background's details.
    public var detailSeed: UInt64

    public init(animal: Animal, tint: Tint, size: SpriteSize, pose: Pose, background: Background,
                groundLine: Int, detailSeed: UInt64) {
        self.animal = animal; self.tint = tint; self.size = size; self.pose = pose
        self.background = background; self.groundLine = groundLine; self.detailSeed = detailSeed
    }

    /// Training draws from seeds below this; evaluations at or above it.
    public static let evaluationSeedBase: UInt64 = 1_000_000_000

    public init(seed: UInt64) {
        var rng = StrataRandom(seed: seed)
        animal = Animal(rawValue: rng.nextInt(below: Animal.allCases.count))!
        tint = Tint(rawValue: rng.nextInt(below: Tint.allCases.count))!
        size = SpriteSize(rawValue: rng.nextInt(below: SpriteSize.allCases.count))!
        pose = Pose(rawValue: rng.nextInt(below: Pose.allCases.count))!
        background = Background(rawValue: rng.nextInt(below: Background.allCases.count))!
        groundLine = 44 + rng.nextInt(below: 9)
        detailSeed = rng.nextUInt64()
    }

    public var caption: Caption { Caption(animal: animal, size: size, pose: pose, background: background) }
}

extension SceneSpec {
    /// Scene seed number `index` of an evaluation with seed `seed`: at or above
    /// `evaluationSeedBase`, never a training seed.
    public static func evaluationSeed(_ seed: UInt64, index: Int) -> UInt64 {
        var r = StrataRandom(seed: seed &* 0xD1B5_4A32_D192_ED03 ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        return evaluationSeedBase + r.nextUInt64() % (1 << 40)
    }
}
