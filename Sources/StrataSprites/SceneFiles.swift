// A scene on disk: the image PNG (with its caption as a text chunk), the subject mask
// PNG beside it and a labels JSON, all written atomically.
import Foundation
import StrataModels

public struct SceneLabels: Codable, Equatable {
    public var seed: UInt64?
    public var caption: String
    public var subjectText: String
    public var backgroundText: String
    public var animal: String, tint: String, size: String, pose: String, background: String
    public var groundLine: Int
    /// x, y, width, height of the subject (alpha > 0.5).
    public var spriteBox: [Int]

    enum CodingKeys: String, CodingKey {
        case seed, caption, animal, tint, size, pose, background
        case subjectText = "subject_text", backgroundText = "background_text"
        case groundLine = "ground_line", spriteBox = "sprite_box"
    }

    public init(_ scene: Scene, seed: UInt64?) {
        let s = scene.spec
        self.seed = seed
        caption = scene.caption.text; subjectText = scene.caption.subjectText; backgroundText = scene.caption.backgroundText
        animal = s.animal.word; tint = s.tint.word; size = s.size.word; pose = s.pose.word; background = s.background.word
        groundLine = s.groundLine
        spriteBox = [scene.spriteBox.x, scene.spriteBox.y, scene.spriteBox.width, scene.spriteBox.height]
    }
}

public enum SceneFiles {
    /// "dir/name.png" → ("dir/name.mask.png", "dir/name.json").
    public static func companions(of imagePath: String) -> (mask: String, labels: String) {
        let base = imagePath.lowercased().hasSuffix(".png") ? String(imagePath.dropLast(4)) : imagePath
        return (base + ".mask.png", base + ".json")
    }

    /// "dir/name.png" → the layer files beside it: B, F (RGBA) and m.
    public static func layerFiles(of imagePath: String) -> (background: String, foreground: String, layerMask: String) {
        let base = imagePath.lowercased().hasSuffix(".png") ? String(imagePath.dropLast(4)) : imagePath
        return (base + ".background.png", base + ".foreground.png", base + ".layer-mask.png")
    }

    /// Writes the scene's layers beside its image (`layerFiles(of:)`).
    public static func writeLayers(_ layers: SceneLayers, beside imagePath: String) throws {
        let side = SceneCanvas.side
        let files = layerFiles(of: imagePath)
        try PNGImage.write(files.background, width: side, height: side, channels: 3, pixels: layers.backgroundBytes,
                           text: [("caption", layers.caption.backgroundText)])
        try PNGImage.write(files.foreground, width: side, height: side, channels: 4, pixels: layers.foregroundBytes,
                           text: [("caption", layers.caption.subjectText)])
        try PNGImage.write(files.layerMask, width: side, height: side, channels: 1, pixels: layers.maskBytes)
    }

    public static func write(_ scene: Scene, seed: UInt64?, to imagePath: String) throws {
        let side = SceneCanvas.side
        let labels = SceneLabels(scene, seed: seed)
        try PNGImage.write(imagePath, width: side, height: side, channels: 3, pixels: scene.rgb,
                           text: [("caption", labels.caption)])
        let (maskPath, labelsPath) = companions(of: imagePath)
        try PNGImage.write(maskPath, width: side, height: side, channels: 1, pixels: scene.mask.map { $0 * 255 })
        try (JSONEncoder.sorted.encode(labels) + Data("\n".utf8)).writeDurably(to: URL(fileURLWithPath: labelsPath))
    }
}
