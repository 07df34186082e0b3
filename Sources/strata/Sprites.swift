import ArgumentParser
import Foundation
import StrataSprites

struct Sprites: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scenes of the sprite world, the built-in model's domain.",
        subcommands: [Render.self, Dataset.self])

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw one scene: FILE.png, its subject mask FILE.mask.png and labels FILE.json.",
            discussion: "With --layers, also its layers: FILE.background.png (the place alone), FILE.foreground.png (the subject and its shadow, RGBA) and FILE.layer-mask.png (the foreground's alpha).")
        @Option(help: "Scene seed.") var seed: UInt64
        @Option(help: "A caption of the sprite world to draw instead of the seed's own (the seed still places things).") var caption: String?
        @Option(help: "The subject's tint instead of the seed's: \(Tint.allCases.map(\.word).joined(separator: ", ")).") var tint: String?
        @Option(help: "Output PNG file.") var out: String
        @Flag(help: "Also write the scene's background, foreground and layer mask beside it.") var layers = false

        func validate() throws {
            guard out.lowercased().hasSuffix(".png") else { throw ValidationError("--out must name a .png file") }
            if let caption, Caption(parsing: caption) == nil {
                throw ValidationError("\"\(caption)\" is not a caption of the sprite world (for example \"a big cow lying in a forest\")")
            }
            if let tint, !Tint.allCases.contains(where: { $0.word == tint }) {
                throw ValidationError("--tint must be one of \(Tint.allCases.map(\.word).joined(separator: ", "))")
            }
        }

        func run() throws {
            let renderer = try loadRenderer()
            var spec = SceneSpec(seed: seed)
            if let caption, let c = Caption(parsing: caption) {
                spec.animal = c.animal; spec.size = c.size; spec.pose = c.pose; spec.background = c.background
            }
            if let tint { spec.tint = Tint.allCases.first { $0.word == tint }! }
            let scene = renderer.render(spec)
            try SceneFiles.write(scene, seed: seed, to: out)
            if layers { try SceneFiles.writeLayers(renderer.renderLayers(spec), beside: out) }
            print("\(out): \(scene.caption.text) (\(scene.spec.tint.word))")
        }
    }

    /// A line of metadata.jsonl, the layout Hugging Face's image folders read.
    struct MetadataLine: Codable {
        let fileName: String
        let text: String
        enum CodingKeys: String, CodingKey { case fileName = "file_name", text }
    }

    struct Dataset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw N scenes into a folder, with their masks, labels and a captions index (metadata.jsonl).")
        @Option(help: "Number of scenes.") var count: Int
        @Option(help: "First seed; scenes use seeds first, first+1, ...") var firstSeed: UInt64 = 0
        @Option(help: "Output folder.") var out: String
        @Flag(help: "Also write each scene's background, foreground and layer mask beside it.") var layers = false

        func validate() throws {
            guard count > 0 else { throw ValidationError("--count must be positive") }
        }

        func run() throws {
            let renderer = try loadRenderer()
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var index = ""
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let log = StderrLog(quiet: false)
            for i in 0..<count {
                let seed = firstSeed + UInt64(i)
                let scene = renderer.render(seed: seed)
                let name = String(format: "%09llu.png", seed)
                let path = (out as NSString).appendingPathComponent(name)
                try SceneFiles.write(scene, seed: seed, to: path)
                if layers { try SceneFiles.writeLayers(renderer.renderLayers(seed: seed), beside: path) }
                let line = try encoder.encode(MetadataLine(fileName: name, text: scene.caption.text))
                index += String(decoding: line, as: UTF8.self) + "\n"
                if i % 50 == 0 { log.progress("rendering", i + 1, count, "") }
            }
            try Data(index.utf8).writeDurably(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("metadata.jsonl")))
            log.clearProgress()
            log.line("wrote \(count) scenes to \(out)")
        }
    }
}

func loadRenderer() throws -> SceneRenderer {
    do { return try SceneRenderer.shipped() } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitStatus.badInput
    }
}
