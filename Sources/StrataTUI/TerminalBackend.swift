// The only code that talks to the terminal: ncursesw set up for the editor (raw keys,
// mouse with drag reporting, truecolour when the terminal says it has it), reading keys
// and mouse events as messages, and copying cell grids to the screen, only the cells
// that changed. Whatever happens, `restore` leaves the terminal as it was.
import CTerminal
import Foundation

public final class TerminalBackend {
    public enum SetupError: Error, CustomStringConvertible {
        case notATerminal
        public var description: String { "Strata's editor needs a terminal: standard input and output must be a TTY (use strata edit for scripts)" }
    }

    let truecolour: Bool
    var previous: CellGrid?
    var pairs: [UInt64: Int32] = [:]
    var active = false
    let wordLeft: Int32, wordRight: Int32
    var pressed = false
    var pairsReset = false

    public init() throws {
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else { throw SetupError.notATerminal }
        setlocale(LC_ALL, "")
        let env = ProcessInfo.processInfo.environment
        let wantsTruecolour = ["truecolor", "24bit"].contains(env["COLORTERM"]?.lowercased() ?? "")
        if wantsTruecolour, let term = env["TERM"], !term.hasSuffix("-direct"), term.hasPrefix("xterm") || term.hasPrefix("tmux") {
            // Terminals that announce truecolour through COLORTERM mostly keep TERM at
            // xterm-256color; ncurses only emits RGB colours under a *-direct entry.
            setenv("TERM", "xterm-direct", 1)
            if newterm(nil, stdout, stdin) == nil { setenv("TERM", term, 1); _ = initscr() }
        } else {
            _ = initscr()
        }
        active = true
        raw(); noecho(); nonl()
        keypad(strata_stdscr(), true)
        set_escdelay(25)
        timeout(30)
        curs_set(0)
        start_color()
        use_default_colors()
        truecolour = strata_colors() >= 1 << 24
        strata_enable_mouse()
        wordLeft = strata_key_named("kLFT5"); wordRight = strata_key_named("kRIT5")
        TerminalBackend.installSignalHandlers()
    }

    deinit { restore() }

    public var colourMode: ImageCells.ColourMode { truecolour ? .truecolour : .indexed256 }
    public var size: (width: Int, height: Int) { (Int(strata_cols()), Int(strata_lines())) }

    /// Leaves the terminal as it was: mouse reporting off, cursor and echo back, the
    /// alternate screen left.
    public func restore() {
        guard active else { return }
        active = false
        strata_disable_mouse()
        curs_set(1)
        endwin()
    }

    /// Stops the process the way Ctrl-Z would, with the terminal restored meanwhile.
    public func suspend() {
        strata_disable_mouse()
        endwin()
        kill(getpid(), SIGSTOP)
        // Resumed.
        strata_enable_mouse()
        previous = nil
        clearok(strata_stdscr(), true)
        refresh()
    }

    nonisolated(unsafe) static var signalled: Int32 = 0

    static func installSignalHandlers() {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { s in
                TerminalBackend.signalled = s
                // Leave the terminal usable even if the main loop never comes back.
                fputs("\u{1b}[?1002l\u{1b}[?1000l", stdout)
                endwin()
                _exit(128 + s)
            }
        }
    }

    /// Waits up to the input timeout for input; returns every message pending.
    public func read() -> [EditorMsg] {
        var out: [EditorMsg] = []
        var text = ""
        while true {
            var c: UInt32 = 0
            let r = strata_read_key(&c)
            if r == ERR { break }
            if r == strata_key_code_yes() {
                if !text.isEmpty { out.append(contentsOf: Self.characters(text)); text = "" }
                if let m = keyCode(Int32(c)) { out.append(m) }
            } else if let scalar = Unicode.Scalar(c) {
                text.unicodeScalars.append(scalar)
            }
            timeout(0)
        }
        timeout(30)
        if !text.isEmpty { out.append(contentsOf: Self.characters(text)) }
        return out
    }

    /// Plain characters: control characters become keys, several printable characters
    /// at once (a paste) one paste message.
    static func characters(_ text: String) -> [EditorMsg] {
        var out: [EditorMsg] = []
        var run = ""
        func flush() {
            if run.count > 1 { out.append(.key(.paste(run))) } else if let c = run.first { out.append(.key(.char(c))) }
            run = ""
        }
        var escape = false
        for ch in text {
            let v = ch.unicodeScalars.first!.value
            // Escape then a printable key in one read is Alt+key: keep just the Escape.
            // A control key after it (Tab, Enter) was typed on its own, so it stays.
            if escape { escape = false; if v >= 32 && ch != "[" && ch != "O" { continue } }
            switch v {
            case 27: flush(); escape = true; out.append(.key(.escape))
            case 9: flush(); out.append(.key(.tab))
            case 13, 10: flush(); out.append(.key(.enter))
            case 127, 8: flush(); out.append(.key(.backspace))
            case 26: flush(); out.append(.key(.ctrl("z")))
            case 1...31: flush(); out.append(.key(.ctrl(Character(Unicode.Scalar(v + 96)!))))
            default: run.append(ch)
            }
        }
        flush()
        return out
    }

    func keyCode(_ c: Int32) -> EditorMsg? {
        switch c {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_ENTER: return .key(.enter)
        case KEY_BTAB: return .key(.backTab)
        case KEY_F0 + 1...KEY_F0 + 12: return .key(.function(Int(c - KEY_F0)))
        case strata_key_resize(): return .resize(width: size.width, height: size.height)
        case strata_key_mouse():
            var x: Int32 = 0, y: Int32 = 0
            switch strata_mouse(&x, &y) {
            case 1: pressed = true; return .mouse(.press, x: Int(x), y: Int(y))
            case 2: pressed = false; return .mouse(.release, x: Int(x), y: Int(y))
            case 3: return pressed ? .mouse(.drag, x: Int(x), y: Int(y)) : nil
            case 4: return .mouse(.wheelUp, x: Int(x), y: Int(y))
            case 5: return .mouse(.wheelDown, x: Int(x), y: Int(y))
            case 6: return .mouse(.secondary, x: Int(x), y: Int(y))
            default: return nil
            }
        default:
            if c == wordLeft { return .key(.wordLeft) }
            if c == wordRight { return .key(.wordRight) }
            return nil
        }
    }

    func colour(_ c: RGB) -> Int32 {
        if truecolour { return max(8, Int32(c.r) << 16 | Int32(c.g) << 8 | Int32(c.b)) }
        return Int32(Palette256.nearest(c))
    }

    func pair(_ fg: RGB, _ bg: RGB) -> Int32 {
        let key = UInt64(fg.r) << 40 | UInt64(fg.g) << 32 | UInt64(fg.b) << 24 | UInt64(bg.r) << 16 | UInt64(bg.g) << 8 | UInt64(bg.b)
        if let p = pairs[key] { return p }
        if pairs.count >= Int(strata_color_pairs()) - 16 {
            // Pairs are finite: start again, and redraw every cell with fresh ones.
            reset_color_pairs()
            pairs = [:]
            pairsReset = true
        }
        let p = alloc_pair(colour(fg), colour(bg))
        pairs[key] = p
        return p
    }

    /// Copies the cells that differ from the last frame, then refreshes.
    public func draw(_ grid: CellGrid) {
        if let p = previous, p.width != grid.width || p.height != grid.height { previous = nil; erase() }
        copy(grid, over: previous)
        if pairsReset {
            // Cells drawn before the reset hold pairs that no longer exist.
            pairsReset = false
            copy(grid, over: nil)
        }
        previous = grid
        refresh()
    }

    func copy(_ grid: CellGrid, over old: CellGrid?) {
        for i in 0..<grid.cells.count {
            let cell = grid.cells[i]
            if let old, old.cells[i] == cell { continue }
            let scalar = cell.char.unicodeScalars.first!.value
            _ = strata_put_cell(Int32(i / grid.width), Int32(i % grid.width), scalar, pair(cell.fg, cell.bg), cell.bold ? 1 : 0)
        }
    }
}
