import ArgumentParser

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Strata's speed against a reference run in the same process.",
        subcommands: [BenchKernels.self, BenchUNet.self, BenchVAE.self, BenchCLIP.self, BenchGenerate.self, BenchLayers.self, BenchEdit.self, BenchTUI.self]
    )
}
