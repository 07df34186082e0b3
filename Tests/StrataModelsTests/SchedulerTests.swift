// Every sampler against diffusers' own run from the same noise with the same stand-in
// model (Fixtures/schedulers, written by scripts/make_scheduler_fixtures.py).
import Foundation
import XCTest
@testable import StrataModels
@testable import StrataTensor

final class SchedulerTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/schedulers")

    /// The stand-in model of the fixture script: 0.3·sigmoid(x) − 0.15 + 5e-4·t.
    func model(_ x: Tensor, _ t: Double) -> Tensor {
        GradMode.disabled { x.sigmoid() * 0.3 + Float(-0.15 + 5e-4 * t) }
    }

    func run(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let f = try SafeTensorsFile(path: Self.fixtures.appendingPathComponent("\(name).safetensors").path)
        let kind = SchedulerKind(rawValue: f.metadata["kind"]!)!
        let steps = Int(f.metadata["steps"]!)!, eta = Double(f.metadata["eta"]!)!
        let config = try JSONDecoder().decode(SchedulerConfig.self, from: Data(f.metadata["config"]!.utf8))
        var scheduler = try kind.make(config, steps: steps, eta: eta)

        let expectedTimesteps = try f.tensor("timesteps").scalars.map(Double.init)
        XCTAssertEqual(scheduler.timesteps.count, expectedTimesteps.count, "\(name): number of timesteps", file: file, line: line)
        for (a, b) in zip(scheduler.timesteps, expectedTimesteps) {
            XCTAssertEqual(a, b, accuracy: 1e-3, "\(name): timesteps", file: file, line: line)
        }
        if f.entries["sigmas"] != nil, let sigmas = (scheduler as? EulerScheduler)?.sigmas ?? (scheduler as? DPMSolverMultistepScheduler)?.sigmas {
            let expected = try f.tensor("sigmas").scalars
            XCTAssertEqual(sigmas.count, expected.count, "\(name): number of sigmas", file: file, line: line)
            for (a, b) in zip(sigmas, expected) { XCTAssertEqual(a, Double(b), accuracy: 1e-5 * max(1, Double(b)), "\(name): sigmas", file: file, line: line) }
        }
        XCTAssertEqual(Double(scheduler.initNoiseSigma), Double(try f.tensor("init_noise_sigma").item), accuracy: 1e-4, "\(name): init noise σ", file: file, line: line)

        var x = try f.tensor("noise") * scheduler.initNoiseSigma
        var rng = TorchRandom(seed: 99)
        let expected = try f.tensor("samples")
        let per = x.count
        for i in 0..<scheduler.timesteps.count {
            let out = model(scheduler.scaleModelInput(x, step: i), scheduler.timesteps[i])
            x = scheduler.step(out, step: i, sample: x, noise: { Tensor.randn(x.shape, using: &rng) })
            let want = Tensor(Array(UnsafeBufferPointer(start: expected.data + i * per, count: per)), shape: x.shape)
            let err = relativeError(x, want)
            if err > 1e-5 {  // measured: below 2e-6 at every step of every run
                XCTFail("\(name): step \(i) of \(scheduler.timesteps.count) differs from diffusers (relative error \(err))", file: file, line: line)
                return
            }
        }
    }

    func testDDIM() throws {
        try run("ddim_sd_50")
        try run("ddim_sd_10_eta")
        try run("ddim_v_trailing_12")
        try run("ddim_linear_cosine_5")
    }

    func testPNDM() throws {
        try run("pndm_sd_50")
        try run("pndm_sd_7")
    }

    func testEuler() throws {
        try run("euler_sd_30")
        try run("euler_linspace_v_9")
        try run("euler_karras_20")
        try run("euler_a_sd_25")
    }

    func testDPMSolverPlusPlus2M() throws {
        try run("dpmpp_2m_sd_25")
        try run("dpmpp_2m_sd_8")
        try run("dpmpp_2m_karras_20")
        try run("dpmpp_2m_linspace_v_16")
    }

    func testUnknownSettingsAreRefused() {
        var c = SchedulerConfig()
        c.betaSchedule = "quadratic"
        XCTAssertThrowsError(try NoiseSchedule(c)) { XCTAssertEqual($0 as? SchedulerError, .unknownBetaSchedule("quadratic")) }
        XCTAssertThrowsError(try DDIMScheduler(SchedulerConfig(), steps: 0)) { XCTAssertEqual($0 as? SchedulerError, .badStepCount(0, max: 1000)) }
    }
}

final class AddNoiseTests: XCTestCase {
    /// diffusers' add_noise for five samples at their own timesteps, as training noises latents.
    func testAddNoiseMatchesDiffusers() throws {
        let f = try SafeTensorsFile(path: SchedulerTests.fixtures.appendingPathComponent("add_noise.safetensors").path)
        let config = try JSONDecoder().decode(SchedulerConfig.self, from: Data(f.metadata["config"]!.utf8))
        let schedule = try NoiseSchedule(config)
        let t = try f.tensor("timesteps")
        let noisy = schedule.addNoise(try f.tensor("latents"), noise: try f.tensor("noise"),
                                      timesteps: (0..<t.count).map { Int(t.data[$0]) })
        XCTAssertLessThanOrEqual(relativeError(noisy, try f.tensor("noisy")), 1e-6)
    }
}
