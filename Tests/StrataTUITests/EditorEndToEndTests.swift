import Foundation
import XCTest

/// The real binary in a real terminal (tmux): it opens on the bundled example, shows the
/// help, takes typed text, runs the live preview, quits on request and leaves its session
/// saved; without a terminal it refuses with status 2.
final class EditorEndToEndTests: XCTestCase {
    static let binary = TUIFixtures.root.appendingPathComponent(".build/release/strata").path

    func shell(_ command: String) -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let pipe = Pipe()
        p.standardOutput = pipe; p.standardError = pipe
        try? p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func waitForScreen(_ session: String, _ text: String, seconds: Double = 30) -> String {
        let end = Date().addingTimeInterval(seconds)
        var screen = ""
        while Date() < end {
            screen = shell("tmux capture-pane -p -t \(session)").1
            if screen.contains(text) { return screen }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("\"\(text)\" never appeared; the screen:\n\(screen)")
        return screen
    }

    func testEditorInTmux() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else { return XCTFail("build the strata binary first: \(Self.binary)") }
        guard shell("command -v tmux").0 == 0 else { return XCTFail("tmux is needed for this test (apt-get install tmux)") }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("strata-e2e-\(getpid())")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let name = "strata-e2e-\(getpid())"
        defer { _ = shell("tmux kill-session -t \(name) 2>/dev/null") }
        let env = "HOME=\(home.path) STRATA_ASSETS=\(TUIFixtures.root.path)/Assets TERM=xterm-256color"
        XCTAssertEqual(shell("tmux -f /dev/null new-session -d -s \(name) -x 100 -y 30 '\(env) \(Self.binary) --threads 1; echo EXIT=$?; sleep 30' > /dev/null 2>&1").0, 0)
        var screen = waitForScreen(name, "Parameters")
        XCTAssert(screen.contains("example.strata"))
        _ = shell("tmux send-keys -t \(name) '?'")
        screen = waitForScreen(name, "Help (? or Esc closes)")
        _ = shell("tmux send-keys -t \(name) Escape")
        // To the text fields: type a word into the subject.
        _ = shell("tmux send-keys -t \(name) Tab Tab Tab")
        _ = shell("tmux send-keys -t \(name) -l ' high'")
        screen = waitForScreen(name, "a dog jumping high")
        XCTAssert(screen.contains("a dog jumping high in a forest"), "the caption follows")
        // The live preview runs after the pause and finishes with results.
        screen = waitForScreen(name, "up to date", seconds: 90)
        XCTAssert(screen.contains("seed 2"), screen)
        _ = shell("tmux send-keys -t \(name) Tab Tab q")
        screen = waitForScreen(name, "EXIT=0", seconds: 10)
        let session = home.appendingPathComponent(".local/share/strata/sessions/example.strata/session.json")
        let record = try String(contentsOf: session, encoding: .utf8)
        XCTAssert(record.contains("a dog jumping high"), record)
        XCTAssert(record.contains("result-seed1.png"), record)
        // No terminal: a one-line error and status 2.
        let (status, output) = shell("\(env) \(Self.binary) < /dev/null > /dev/null")
        XCTAssertEqual(status, 2, output)
    }
}
