// A scene as two layers (docs/sprite-world.md, "Layers"): the background B alone, and the
// foreground F, a straight-alpha RGBA layer holding the tinted posed sprite and, when
// jumping, its shadow. F's alpha is the soft mask m, and `F over B` is the scene.

public struct SceneLayers: Sendable {
    public let spec: SceneSpec
    /// B: 64×64 RGB in 0...255 (unrounded), row by row.
    public let background: [Float]
    /// F's colour, straight (not multiplied by alpha), 0...255; 0 where alpha is 0.
    public let foreground: [Float]
    /// m = F's alpha, 64×64 in 0...1.
    public let alpha: [Float]

    public var caption: Caption { spec.caption }

    /// `m·F + (1 − m)·B`, RGB in 0...255 (unrounded).
    public var composite: [Float] {
        var out = background
        for i in alpha.indices where alpha[i] > 0 {
            let a = alpha[i]
            for c in 0..<3 { out[i * 3 + c] = a * foreground[i * 3 + c] + (1 - a) * background[i * 3 + c] }
        }
        return out
    }

    static func byte(_ v: Float) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }

    /// The composite as 8-bit RGB.
    public var compositeBytes: [UInt8] { composite.map(Self.byte) }
    /// B as 8-bit RGB.
    public var backgroundBytes: [UInt8] { background.map(Self.byte) }
    /// F as 8-bit straight RGBA.
    public var foregroundBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: alpha.count * 4)
        for i in alpha.indices {
            for c in 0..<3 { out[i * 4 + c] = Self.byte(foreground[i * 3 + c]) }
            out[i * 4 + 3] = Self.byte(alpha[i] * 255)
        }
        return out
    }
    /// m as 8-bit grey.
    public var maskBytes: [UInt8] { alpha.map { Self.byte($0 * 255) } }
}
