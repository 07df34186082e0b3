// `strata bench layers`: a layered image's cost against the built-in model's
// text-to-image on the same seeds, steps and threads, in one run; and the training step
// of each layered part (the autoencoder with its batch, the UNet with its batch) beside
// PyTorch on the same shapes.
import ArgumentParser
import Foundation
import StrataLayers
import StrataModels
import StrataSprites
import StrataTensor

struct BenchLayers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layers",
        abstract: "Seconds per layered image against the built-in model's text-to-image (same seeds and steps), and each layered part's training step beside PyTorch.")
    @Option(help: "Layered model folder (default: the shipped strata-layers).") var model: String?
    @Option(help: "Image model to compare with (default: the built-in model).") var imageModel: String?
    @Option(help: "Seeds (images of each model).") var seeds = 4
    @Option(help: "Sampling steps (DDIM).") var steps = 50
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Timed training steps of each part, after one warm-up.") var runs = 3
    @Flag(help: "Skip the training steps.") var noTraining = false
    @Flag(help: "Skip the PyTorch side even when torch is installed.") var noTorch = false
    @Flag(help: "Print one JSON document.") var json = false

    struct Report: Encodable {
        let seeds: Int, steps: Int, threads: Int
        let layeredSecondsPerImage: Double, imageSecondsPerImage: Double
        var ratio: Double { layeredSecondsPerImage / imageSecondsPerImage }
        let training: [ModelBenchResult]
        let peakRSSMB: Double
        enum CodingKeys: String, CodingKey {
            case seeds, steps, threads, ratio, training
            case layeredSecondsPerImage = "layered_seconds_per_image", imageSecondsPerImage = "image_seconds_per_image", peakRSSMB = "peak_rss_mb"
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(seeds, forKey: .seeds); try c.encode(steps, forKey: .steps); try c.encode(threads, forKey: .threads)
            try c.encode(layeredSecondsPerImage, forKey: .layeredSecondsPerImage); try c.encode(imageSecondsPerImage, forKey: .imageSecondsPerImage)
            try c.encode(ratio, forKey: .ratio); try c.encode(training, forKey: .training); try c.encode(peakRSSMB, forKey: .peakRSSMB)
        }
    }

    func validate() throws {
        guard seeds >= 1, steps >= 1, threads >= 1, runs >= 1 else { throw ValidationError("--seeds, --steps, --threads and --runs must be at least 1") }
    }

    func run() throws {
        Engine.threads = threads
        let log = StderrLog(quiet: false)
        let (layered, folder) = try loadLayeredModel(model)
        let image = try loadModel(imageModel).model
        let prompt = "a big dog jumping in a forest"
        func timed(_ name: String, _ work: (UInt64) throws -> Void) throws -> Double {
            try work(0)  // warm-up
            let t0 = Date()
            for seed in 1...UInt64(seeds) {
                try work(seed)
                log.progress(name, Int(seed), seeds)
            }
            log.clearProgress()
            return Date().timeIntervalSince(t0) / Double(seeds)
        }
        var s = TextToImageSettings(prompt: prompt, width: layered.sampleSize, height: layered.sampleSize)
        s.steps = steps
        let layeredSeconds = try timed("layered images") { seed in
            var rng = TorchRandom(seed: seed)
            _ = try TextToLayers(model: layered).run(s, rng: &rng)
        }
        let imageSeconds = try timed("images") { seed in
            var rng = TorchRandom(seed: seed)
            _ = try TextToImage(model: image).run(s, rng: &rng)
        }
        var training: [ModelBenchResult] = []
        if !noTraining {
            let common = ["--model", folder.path, "--train", "--runs", "\(runs)", "--threads", "\(threads)"] + (noTorch ? ["--no-torch"] : [])
            training.append(try BenchVAE.parse(common + ["--component", "layered_vae", "--batch", "16"]).measure())
            training.append(try BenchUNet.parse(common + ["--batch", "64", "--no-checkpointing"]).measure())
        }
        let report = Report(seeds: seeds, steps: steps, threads: threads, layeredSecondsPerImage: layeredSeconds, imageSecondsPerImage: imageSeconds,
                            training: training, peakRSSMB: PeakMemory.residentMB)
        if json { try printJSON(report); return }
        print(String(format: "%d seeds, DDIM %d steps, %d threads: layered image %.2f s, image %.2f s (built-in text-to-image): %.2f×",
                     seeds, steps, threads, layeredSeconds, imageSeconds, report.ratio))
        for r in training { try r.print(asJSON: false) }
        print(String(format: "peak RSS %.0f MB", report.peakRSSMB))
    }
}
