// The twelve animal sprites, read from Assets/sprites (atlas.png + atlas.json, made once
// by scripts/make_sprite_atlas.py). Kept as premultiplied RGBA floats in [0, 1] so that
// resampling averages colour and coverage together.
import Foundation
import StrataModels

public struct SpriteBitmap: Sendable {
    public let width: Int, height: Int
    /// Premultiplied RGBA, row by row, in [0, 1].
    public let pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height * 4)
        self.width = width; self.height = height; self.pixels = pixels
    }

    @inline(__always) public func alpha(_ x: Int, _ y: Int) -> Float { pixels[(y * width + x) * 4 + 3] }
}

public enum SpriteAtlasError: Error, CustomStringConvertible {
    case malformed(String, String)
    public var description: String {
        switch self { case let .malformed(path, why): return "\(path): \(why)" }
    }
}

public final class SpriteAtlas: @unchecked Sendable {
    public let sprites: [SpriteBitmap]

    public init(sprites: [SpriteBitmap]) {
        precondition(sprites.count == Animal.allCases.count)
        self.sprites = sprites
    }

    public subscript(animal: Animal) -> SpriteBitmap { sprites[animal.rawValue] }

    private struct Index: Decodable {
        struct Box: Decodable { let name: String; let x, y, width, height: Int }
        let sprites: [Box]
    }

    public convenience init(directory: URL) throws {
        let jsonPath = directory.appendingPathComponent("atlas.json").path
        let index: Index
        do { index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: URL(fileURLWithPath: jsonPath))) }
        catch { throw SpriteAtlasError.malformed(jsonPath, "cannot read the sprite index (\(error))") }
        let image = try PNGImage.read(directory.appendingPathComponent("atlas.png").path)
        var sprites: [SpriteBitmap] = []
        for animal in Animal.allCases {
            guard let box = index.sprites.first(where: { $0.name == animal.word }) else {
                throw SpriteAtlasError.malformed(jsonPath, "no sprite named \(animal.word)")
            }
            guard box.x >= 0, box.y >= 0, box.width > 0, box.height > 0,
                  box.x + box.width <= image.width, box.y + box.height <= image.height else {
                throw SpriteAtlasError.malformed(jsonPath, "the box of \(animal.word) lies outside the atlas")
            }
            var pixels = [Float](repeating: 0, count: box.width * box.height * 4)
            for y in 0..<box.height { for x in 0..<box.width {
                let s = ((box.y + y) * image.width + box.x + x) * 4
                let a = Float(image.rgba[s + 3]) / 255
                let d = (y * box.width + x) * 4
                for c in 0..<3 { pixels[d + c] = Float(image.rgba[s + c]) / 255 * a }
                pixels[d + 3] = a
            } }
            sprites.append(SpriteBitmap(width: box.width, height: box.height, pixels: pixels))
        }
        self.init(sprites: sprites)
    }

    /// The atlas shipped in Assets/sprites.
    public static func shipped() throws -> SpriteAtlas {
        try SpriteAtlas(directory: StrataAssets.directory().appendingPathComponent("sprites"))
    }
}
