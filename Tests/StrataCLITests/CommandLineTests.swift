import Foundation
import XCTest
import StrataModels

/// The command line as a script sees it: exit statuses (0 done, 1 failed while running,
/// 2 bad input or usage, 130 interrupted), one-line errors and the shapes of JSON output.
final class CommandLineTests: XCTestCase {
    func testHelpListsTheUsersCommandsFirst() throws {
        let r = try CommandRunner.run(["--help"])
        XCTAssertEqual(r.status, 0)
        let edit = try XCTUnwrap(r.stdout.range(of: "  edit ")), dev = try XCTUnwrap(r.stdout.range(of: "DEVELOPMENT"))
        let bench = try XCTUnwrap(r.stdout.range(of: "  bench "))
        XCTAssert(edit.lowerBound < dev.lowerBound && dev.lowerBound < bench.lowerBound, r.stdout)
        XCTAssert(r.stdout.contains("Exit statuses: 0 done, 1 failed while running, 2 bad input or usage, 130"), r.stdout)
    }

    func testUsageErrorsExitTwo() throws {
        let missing = try CommandRunner.run(["edit", "x.png", "--subject", "a dog"])
        XCTAssertEqual(missing.status, 2)
        XCTAssert(missing.stderr.contains("--background"), missing.stderr)
        let unknown = try CommandRunner.run(["generate", "--prompt", "a dog", "--out", "x.png", "--no-such-option"])
        XCTAssertEqual(unknown.status, 2)
    }

    /// Numbers that would make nonsense downstream (a share of 0 results, a guidance of
    /// NaN) are refused as usage errors.
    func testMeaninglessNumbersAreRefused() throws {
        for args in [["eval", "judge", "--count", "0"], ["eval", "edit", "--count=-1"], ["eval", "layers", "--count", "0"],
                     ["generate", "--prompt", "a dog", "--cfg", "nan", "--out", "x.png"],
                     ["layers", "generate", "--prompt", "a dog", "--cfg", "inf", "--out", "x"]] {
            let r = try CommandRunner.run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssert(r.stderr.contains(args.contains("--cfg") ? "--cfg must be" : "--count must be at least 1"), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stdout.contains("nan"), "\(args): \(r.stdout)")
        }
    }

    /// A size whose sampling cannot fit in memory is refused before it starts, with the
    /// estimate and what is available.
    func testGenerationThatCannotFitIsRefusedWithBothFigures() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("strata-huge-\(getpid()).png")
        let r = try CommandRunner.run(["generate", "--prompt", "a dog jumping in a forest", "--width", "32768", "--height", "32768",
                                       "--out", out.path])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssert(r.stderr.contains("GB of memory at its peak") && r.stderr.contains("GB is available"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testBadInputIsOneLineAndExitsTwo() throws {
        let dir = try CommandRunner.temporaryFolder("bad-input")
        defer { try? FileManager.default.removeItem(at: dir) }
        let noImage = try CommandRunner.run(["edit", dir.appendingPathComponent("none.png").path, "--subject", "a dog",
                                             "--background", "in a forest", "--out", dir.path])
        XCTAssertEqual(noImage.status, 2)
        XCTAssertEqual(noImage.stderr.split(separator: "\n").count, 1, noImage.stderr)
        XCTAssert(noImage.stderr.hasPrefix("error: ") && noImage.stderr.contains("no such file"), noImage.stderr)

        let scene = dir.appendingPathComponent("scene.png").path
        XCTAssertEqual(try CommandRunner.run(["sprites", "render", "--seed", "4", "--out", scene]).status, 0)
        let outOfRange = try CommandRunner.run(["edit", scene, "--subject", "a dog", "--background", "in a forest", "--out", dir.path,
                                                "--set", "alpha=3"])
        XCTAssertEqual(outOfRange.status, 2)
        XCTAssert(outOfRange.stderr.contains("alpha") && outOfRange.stderr.contains("0 to 1"), outOfRange.stderr)
        let unknownKey = try CommandRunner.run(["edit", scene, "--subject", "a dog", "--background", "in a forest", "--out", dir.path,
                                                "--set", "alpah=0.5"])
        XCTAssertEqual(unknownKey.status, 2)
        XCTAssert(unknownKey.stderr.contains("unknown setting \"alpah\""), unknownKey.stderr)
        let badSteps = try CommandRunner.run(["edit", scene, "--subject", "a dog", "--background", "in a forest", "--out", dir.path,
                                              "--steps", "0"])
        XCTAssertEqual(badSteps.status, 2)
        XCTAssert(badSteps.stderr.contains("--steps"), badSteps.stderr)

        let noModel = try CommandRunner.run(["generate", "--model", dir.appendingPathComponent("nomodel").path, "--prompt", "a dog",
                                             "--out", dir.appendingPathComponent("g.png").path])
        XCTAssertEqual(noModel.status, 2)
        XCTAssertEqual(noModel.stderr.split(separator: "\n").count, 1, noModel.stderr)
    }

    func testSettingsJSONListsEverySetting() throws {
        let r = try CommandRunner.run(["settings", "--json"])
        XCTAssertEqual(r.status, 0)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let keys = rows.compactMap { $0["key"] as? String }
        XCTAssert(keys.contains("alpha") && keys.contains("seeds") && keys.contains("ablation"), "\(keys)")
        for row in rows { XCTAssertEqual(Set(row.keys), ["key", "label", "default", "valid", "reruns_from", "help"]) }
    }

    /// A scene and its layers, read back by the PNG reader.
    func testSpritesRenderWritesTheLayers() throws {
        let dir = try CommandRunner.temporaryFolder("sprites")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.png").path
        let r = try CommandRunner.run(["sprites", "render", "--seed", "11", "--out", path, "--layers"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let foreground = try PNGImage.read(dir.appendingPathComponent("s.foreground.png").path)
        XCTAssertEqual([foreground.width, foreground.height], [64, 64])
        XCTAssert(foreground.rgba.enumerated().contains { $0.offset % 4 == 3 && $0.element == 0 })
        XCTAssert(foreground.rgba.enumerated().contains { $0.offset % 4 == 3 && $0.element == 255 })
        _ = try PNGImage.read(dir.appendingPathComponent("s.background.png").path)
        _ = try PNGImage.read(dir.appendingPathComponent("s.layer-mask.png").path)
    }

    /// Without a terminal, progress comes as plain lines (no carriage returns), and the
    /// image carries its parameters.
    func testGenerateReportsProgressAsLinesInLogs() throws {
        let dir = try CommandRunner.temporaryFolder("generate")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("g.png").path
        let r = try CommandRunner.run(["generate", "--prompt", "a dog jumping in a forest", "--steps", "4", "--seed", "3", "--out", out, "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("\r"), r.stderr)
        XCTAssert(r.stderr.contains("sampling 4/4 (100%)"), r.stderr)
        let png = try PNGImage.read(out)
        XCTAssert(png.text["parameters"]?.contains("Steps: 4") == true, "\(png.text)")
        let quiet = try CommandRunner.run(["generate", "--prompt", "a dog jumping in a forest", "--steps", "2", "--out", out, "--quiet", "--json"])
        XCTAssertEqual(quiet.status, 0)
        XCTAssertEqual(quiet.stderr, "")
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(quiet.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set(summary.keys), ["out", "seconds", "parameters"])
        XCTAssertEqual(summary["out"] as? String, out)
    }

    /// An edit's JSON summary, and Ctrl-C: exit 130 with what the stage saved kept.
    func testEditJSONAndInterruption() throws {
        let dir = try CommandRunner.temporaryFolder("edit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let scene = dir.appendingPathComponent("scene.png").path
        XCTAssertEqual(try CommandRunner.run(["sprites", "render", "--seed", "4", "--out", scene]).status, 0)
        let mask = dir.appendingPathComponent("scene.mask.png").path
        let base = ["edit", scene, "--mask", mask, "--subject", "a dog jumping", "--background", "in a forest", "--threads", "2"]
        let quick = try CommandRunner.run(base + ["--out", dir.appendingPathComponent("out").path, "--json",
                                                  "--set", "embedding_steps=4", "--finetune-steps", "4", "--steps", "4", "--seeds", "1"])
        XCTAssertEqual(quick.status, 0, quick.stderr)
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(quick.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set(summary.keys), ["out", "files", "stage_seconds", "final_losses", "reused"])
        XCTAssert((summary["files"] as? [String])?.contains("result-1.png") == true, "\(summary)")

        let stopped = try CommandRunner.run(base + ["--out", dir.appendingPathComponent("stopped").path, "--set", "embedding_steps=100000"],
                                            interruptAfter: 4)
        XCTAssertEqual(stopped.status, 130, stopped.stderr)
        XCTAssert(stopped.stderr.contains("stopped during"), stopped.stderr)
    }

    /// Outputs replace a folder of earlier outputs whole; into a folder of the user's own
    /// files they are moved one by one (the sidecar last) and the user's files stay.
    func testOutputsBesideTheUsersOwnFilesKeepThem() throws {
        let dir = try CommandRunner.temporaryFolder("foreign-out")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("mine".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Assets/examples/blue-dog-meadow.png").standardized.path
        func edit(_ seed: String, _ out: URL) throws -> CommandRunner.Outcome {
            try CommandRunner.run(["edit", example, "--subject", "a dog", "--background", "in a forest", "--method", "txt2img",
                                   "--preset", "quick", "--seeds", seed, "--out", out.path, "--quiet"])
        }
        XCTAssertEqual(try edit("1", dir).status, 0)
        var names = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        XCTAssert(names.isSuperset(of: ["notes.txt", "edit.json", "result-1.png"]), "\(names)")
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("notes.txt"), encoding: .utf8), "mine")
        XCTAssertFalse(names.contains { $0.hasPrefix(".") }, "\(names)")

        let out = dir.appendingPathComponent("edit")
        XCTAssertEqual(try edit("1", out).status, 0)
        XCTAssertEqual(try edit("2", out).status, 0)
        names = Set(try FileManager.default.contentsOfDirectory(atPath: out.path))
        XCTAssert(names.isSuperset(of: ["result-1.png", "result-2.png", "edit.json"]), "\(names)")
    }
}
