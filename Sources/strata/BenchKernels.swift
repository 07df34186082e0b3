import ArgumentParser
import StrataTensor

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kernels", abstract: "Time the engine's kernels.")
    func run() throws {}
}
