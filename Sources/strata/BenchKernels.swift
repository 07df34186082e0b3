import ArgumentParser
import Foundation
import StrataModels
import StrataTensor

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Time the engine's kernels at Stable Diffusion 1.5 UNet shapes, beside PyTorch when it is installed.")

    @Option(help: "Least number of timed runs per case, spread over three rounds (short cases run for 120 ms a round).") var runs = 5
    @Option(help: "Threads for Strata and for PyTorch.") var threads = 2
    @Option(help: "Only cases whose op name contains this text.") var only: String?
    @Flag(help: "Skip the PyTorch side even when torch is installed.") var noTorch = false
    @Flag(help: "Print one JSON document instead of a table.") var json = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    /// One kernel's row of `--json`'s results (absent figures are left out).
    struct Row: Encodable {
        let op: String, shape: String
        let ms: Double, torchMs: Double?
        let gflops: Double?, peakFraction: Double?, gbPerS: Double?, ratio: Double?
        enum CodingKeys: String, CodingKey {
            case op, shape, ms, gflops, ratio
            case torchMs = "torch_ms", peakFraction = "peak_fraction", gbPerS = "gb_per_s"
        }
    }

    /// What `--json` prints.
    struct Report: Encodable {
        let sgemmPeakGflops: Double, sgemmMs: Double, torchSgemmMs: Double?
        let threads: Int, runs: Int
        let avx512BF16: Bool
        let results: [Row]
        enum CodingKeys: String, CodingKey {
            case threads, runs, results
            case sgemmPeakGflops = "sgemm_peak_gflops", sgemmMs = "sgemm_ms", torchSgemmMs = "torch_sgemm_ms", avx512BF16 = "avx512_bf16"
        }
    }

    func run() throws {
        Engine.threads = threads
        let peakCase = KernelBenchmarks.sgemmPeak()
        var cases = KernelBenchmarks.all()
        if let only { cases = cases.filter { $0.op.contains(only) } }
        let log = StderrLog(quiet: false)
        log.line("Strata \(StrataVersion.string): \(threads) threads, AVX-512 \(Engine.hasAVX512 ? "yes" : "no"), AVX2+FMA \(Engine.hasAVX2FMA ? "yes" : "no"), AVX512_BF16 \(Engine.hasAVX512BF16 ? "yes" : "no"); at least \(runs) runs a case, in three rounds")

        var torch: TorchSession?
        if !noTorch {
            if TorchReference.isAvailable {
                torch = try TorchSession(script: try TorchScripts.kernels, arguments: ["\(threads)"])
                log.line("PyTorch \(torch!.version) takes turns with Strata on each case, with \(threads) threads")
            } else {
                log.line("PyTorch is not installed (python3 -c 'import torch' failed): Strata's times only")
            }
        }
        // Each case is timed by Strata, then by PyTorch, so both see the machine as it is then.
        // The two sides take turns in three short rounds per case, and each reports the
        // median of its round medians: slow phases of this shared machine (its memory
        // bandwidth varies by tens of percent over seconds) then fall on both sides.
        func measure(_ c: KernelBenchmarkCase) throws -> (Double, Double?) {
            let work = c.prepare()
            let perRound = max(2, (runs + 2) / 3)
            var mine: [Double] = [], theirs: [Double] = []
            for _ in 0..<3 {
                mine.append(Timing.median(runs: perRound, warmUpMs: 60, measureMs: 120, work))
                if let torch {
                    let request: JSONValue = ["case": .object(c.torchSpec), "runs": .int(perRound), "warm_ms": 60, "measure_ms": 120]
                    if let t = try torch.request(request)["ms"]?.doubleValue { theirs.append(t) }
                    // PyTorch's OpenMP and MKL threads keep spinning for up to 200 ms after its work.
                    usleep(250_000)
                }
            }
            return (Timing.median(of: mine), theirs.isEmpty ? nil : Timing.median(of: theirs))
        }
        // The peak is measured first and again last, and the faster of the two kept: a
        // single reading was sometimes taken while the machine was still settling.
        var (peakMs, torchPeak) = try measure(peakCase)
        usleep(300_000)  // OpenBLAS's own threads, used only for the peak, spin down
        log.line(String(format: "sgemm %@: %.1f ms, %.1f GFLOPS (first reading of the peak)", peakCase.shape, peakMs, peakCase.flops! / peakMs / 1e6))
        var strataMs: [Double] = [], torchMs: [Double?] = []
        for (i, c) in cases.enumerated() {
            log.progress("timing", i + 1, cases.count, c.op + " " + c.shape)
            let (s, t) = try measure(c)
            strataMs.append(s); torchMs.append(t)
        }
        log.clearProgress()
        let (lastPeakMs, lastTorchPeak) = try measure(peakCase)
        peakMs = min(peakMs, lastPeakMs)
        if let a = torchPeak, let b = lastTorchPeak { torchPeak = min(a, b) }
        let peak = peakCase.flops! / peakMs / 1e6

        let rows = cases.indices.map { i -> Row in
            let c = cases[i], ms = strataMs[i]
            return Row(op: c.op, shape: c.shape, ms: ms, torchMs: torchMs[i], gflops: c.flops.map { $0 / ms / 1e6 },
                       peakFraction: c.flops.map { $0 / ms / 1e6 / peak }, gbPerS: c.bytes.map { $0 / ms / 1e6 }, ratio: torchMs[i].map { ms / $0 })
        }
        if json {
            try printJSON(Report(sgemmPeakGflops: peak, sgemmMs: peakMs, torchSgemmMs: torchPeak, threads: threads, runs: runs,
                                 avx512BF16: Engine.hasAVX512BF16, results: rows))
            return
        }
        var table = TextTable(["op", "shape", "ms", "GFLOPS", "of peak", "GB/s", "torch ms", "strata/torch"])
        for r in rows {
            func f(_ v: Double?, _ fmt: String) -> String { v.map { String(format: fmt, $0) } ?? "-" }
            table.add([r.op, r.shape, f(r.ms, "%.2f"), f(r.gflops, "%.1f"), f(r.peakFraction.map { $0 * 100 }, "%.0f%%"),
                       f(r.gbPerS, "%.1f"), f(r.torchMs, "%.2f"), f(r.ratio, "%.2f×")])
        }
        print(table.render())
        if let torchPeak { print(String(format: "PyTorch sgemm %@: %.1f ms (%.1f GFLOPS)", peakCase.shape, torchPeak, peakCase.flops! / torchPeak / 1e6)) }
    }
}
