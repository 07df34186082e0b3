// The edits `strata eval edit` measures (docs/sprite-world.md): a source
// scene (animal A, tint c, size z1, pose p1, place b1) and a new size z2, pose p2 and
// place b2, where the place or the pose changes, and a third of the edits change both.
import StrataTensor

public struct EditCase: Sendable {
    public enum Kind: Int, Sendable { case background, pose, both }
    public let source: SceneSpec
    public let target: Caption
    public let kind: Kind

    public init(seed: UInt64, index: Int) {
        source = SceneSpec(seed: SceneSpec.evaluationSeed(seed, index: index))
        var rng = StrataRandom(seed: SceneSpec.evaluationSeed(seed &+ 0x5EED, index: index))
        kind = Kind(rawValue: index % 3)!
        func other<T: CaseIterable & Equatable>(_ current: T) -> T {
            let choices = T.allCases.filter { $0 != current }
            return choices[rng.nextInt(below: choices.count)]
        }
        let size = SpriteSize(rawValue: rng.nextInt(below: SpriteSize.allCases.count))!
        let pose = kind == .background ? source.pose : other(source.pose)
        let background = kind == .pose ? source.background : other(source.background)
        target = Caption(animal: source.animal, size: size, pose: pose, background: background)
    }

    /// What a result misses, by the attribute's name ("animal", "pose", "size",
    /// "background" against the target; "tint" against the source).
    public func misses(_ r: JudgeReading) -> [String] {
        [("animal", r.animal == target.animal), ("pose", r.pose == target.pose), ("size", r.size == target.size),
         ("background", r.background == target.background), ("tint", r.tint == source.tint)].filter { !$0.1 }.map(\.0)
    }

    /// (satisfies the prompt, keeps the tint) for a judge's reading of a result.
    public func score(_ r: JudgeReading) -> (prompt: Bool, identity: Bool) {
        let missed = misses(r)
        return (missed.allSatisfy { $0 == "tint" }, !missed.contains("tint"))
    }
}
