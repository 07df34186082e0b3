import Foundation
import XCTest

/// The real binary in a real terminal (tmux): it opens on the bundled example, shows the
/// help, takes typed text, runs the live preview, quits on request and leaves its session
/// saved; without a terminal it refuses with status 2. A second editor on the same
/// session is refused; SIGTERM saves what was typed and exits.
final class EditorEndToEndTests: XCTestCase {
    static let binary = TUIFixtures.root.appendingPathComponent(".build/release/strata").path

    /// Runs `command`; with `capture` false its output goes nowhere and every descriptor
    /// above 2 is closed first, which is what starting the tmux server needs: the server
    /// lives on and would otherwise hold open the pipe and the socket Foundation watches
    /// for the shell's exit.
    func shell(_ command: String, capture: Bool = true) -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: capture ? "/bin/sh" : "/bin/bash")  // bash: descriptors above 9
        p.arguments = ["-c", capture ? command
            : "for fd in $(ls /proc/$$/fd); do [ \"$fd\" -gt 2 ] && eval \"exec $fd>&-\"; done 2>/dev/null; " + command]
        guard capture else {
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            try? p.run()
            p.waitUntilExit()
            return (p.terminationStatus, "")
        }
        let pipe = Pipe()
        p.standardOutput = pipe; p.standardError = pipe
        try? p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Waits until `text` is on the screen (or, with `gone`, until it has left it).
    func waitForScreen(_ session: String, _ text: String, gone: Bool = false, seconds: Double = 30) -> String {
        let end = Date().addingTimeInterval(seconds)
        var screen = ""
        while Date() < end {
            screen = shell("tmux -L \(session) capture-pane -p -t \(session)").1
            if screen.contains(text) != gone { return screen }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("\"\(text)\" never \(gone ? "left" : "appeared"); the screen:\n\(screen)")
        return screen
    }

    struct Missing: Error { let what: String }

    /// The editor in a tmux server of its own (killed at the end: it may hold descriptors
    /// it inherited), with a fresh HOME; its window prints EXIT=status when it ends.
    func openEditor(_ name: String) throws -> (home: URL, env: String) {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else { throw Missing(what: "build the strata binary first: \(Self.binary)") }
        guard shell("command -v tmux").0 == 0 else { throw Missing(what: "tmux is needed for this test (apt-get install tmux)") }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        addTeardownBlock { [self] in
            _ = shell("tmux -L \(name) kill-server 2>/dev/null")
            try? FileManager.default.removeItem(at: home)
        }
        let env = "HOME=\(home.path) STRATA_ASSETS=\(TUIFixtures.root.path)/Assets TERM=xterm-256color"
        XCTAssertEqual(shell("tmux -L \(name) -f /dev/null new-session -d -s \(name) -x 100 -y 30 '\(env) \(Self.binary) --threads 1; echo EXIT=$?; sleep 30'", capture: false).0, 0)
        _ = waitForScreen(name, "Parameters")
        return (home, env)
    }

    func testEditorInTmux() throws {
        let name = "strata-e2e-\(getpid())"
        let (home, env) = try openEditor(name)
        var screen = waitForScreen(name, "Parameters")
        XCTAssert(screen.contains("example.strata"))
        _ = shell("tmux -L \(name) send-keys -t \(name) '?'")
        screen = waitForScreen(name, "Help (? or Esc closes)")
        _ = shell("tmux -L \(name) send-keys -t \(name) Escape")
        screen = waitForScreen(name, "Help (? or Esc closes)", gone: true)
        // To the text fields: type a word into the subject.
        _ = shell("tmux -L \(name) send-keys -t \(name) Tab Tab Tab")
        _ = shell("tmux -L \(name) send-keys -t \(name) -l ' high'")
        screen = waitForScreen(name, "a dog jumping high")
        XCTAssert(screen.contains("a dog jumping high in a forest"), "the caption follows")
        // The live preview runs after the pause and finishes with results.
        screen = waitForScreen(name, "up to date", seconds: 90)
        XCTAssert(screen.contains("seed 2"), screen)
        _ = shell("tmux -L \(name) send-keys -t \(name) Tab Tab q")
        screen = waitForScreen(name, "EXIT=0", seconds: 10)
        let session = home.appendingPathComponent(".local/share/strata/sessions/example.strata/session.json")
        let record = try String(contentsOf: session, encoding: .utf8)
        XCTAssert(record.contains("a dog jumping high"), record)
        XCTAssert(record.contains("results\\/result-1.png"), record)
        // No terminal: a one-line error and status 2.
        let (status, output) = shell("\(env) \(Self.binary) < /dev/null > /dev/null")
        XCTAssertEqual(status, 2, output)
    }

    func testSecondEditorIsRefusedAndSIGTERMSaves() throws {
        let name = "strata-e2e-term-\(getpid())"
        let (home, env) = try openEditor(name)
        let folder = home.appendingPathComponent(".local/share/strata/sessions/example.strata")

        // A second editor on the same session, in a second window: refused, status 2.
        _ = shell("tmux -L \(name) new-window -t \(name) '\(env) \(Self.binary) --threads 1; echo SECOND=$?; sleep 30'")
        let second = waitForScreen(name, "SECOND=")
        let unwrapped = second.replacingOccurrences(of: "\n", with: "")
        XCTAssert(unwrapped.contains("is open in another Strata editor") && second.contains("SECOND=2"), second)
        _ = shell("tmux -L \(name) select-window -t \(name):0")

        // Typed, then SIGTERM before the autosave's pause is over: the words are saved.
        _ = shell("tmux -L \(name) send-keys -t \(name):0 Tab Tab Tab")
        _ = shell("tmux -L \(name) send-keys -t \(name):0 -l ' over a log'")
        _ = waitForScreen(name, "a dog jumping over a log")
        let pid = try String(contentsOf: folder.appendingPathComponent(".lock"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(shell("kill -TERM \(pid)").0, 0)
        _ = waitForScreen(name, "EXIT=0", seconds: 10)
        let record = try String(contentsOf: folder.appendingPathComponent("session.json"), encoding: .utf8)
        XCTAssert(record.contains("a dog jumping over a log"), record)
        // Nothing of the swaps is left beside the session.
        let beside = try FileManager.default.contentsOfDirectory(atPath: folder.deletingLastPathComponent().path)
        XCTAssertEqual(beside, ["example.strata"])
    }
}
