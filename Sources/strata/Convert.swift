import ArgumentParser
import Foundation
import StrataModels
import StrataSprites

struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a single-file Stable Diffusion 1.x checkpoint (.safetensors) into a diffusers folder.")
    @Argument(help: "The checkpoint (.safetensors, original latent-diffusion key names).") var checkpoint: String
    @Argument(help: "The diffusers folder to write.") var outdir: String
    @Option(help: "A diffusers-layout folder whose component configs (and tokenizer/) to use; default: Stable Diffusion 1.5's.") var config: String?

    func run() throws {
        let log = StderrLog(quiet: false)
        guard FileManager.default.fileExists(atPath: checkpoint) else { throw fail("\(checkpoint): no such file") }
        do { try SingleFileCheckpoint.checkNotPickle(checkpoint) } catch { throw failure(error) }
        let configs: SingleFileCheckpoint.Configs
        var tokenizer = try StrataAssets.directory().appendingPathComponent("clip-tokenizer")
        if let config {
            let folder = URL(fileURLWithPath: config)
            do { configs = try SingleFileCheckpoint.Configs(folder: folder) } catch { throw fail("\(config): \(error)") }
            let own = folder.appendingPathComponent("tokenizer")
            if FileManager.default.fileExists(atPath: own.appendingPathComponent("vocab.json").path) { tokenizer = own }
        } else {
            configs = SingleFileCheckpoint.Configs()
        }
        let started = Date()
        do {
            try SingleFileCheckpoint.convert(path: checkpoint, to: URL(fileURLWithPath: outdir), configs: configs, tokenizerSource: tokenizer)
        } catch {
            throw failure(error)
        }
        log.line(String(format: "wrote %@ (%.1f s)", outdir, Date().timeIntervalSince(started)))
    }
}
