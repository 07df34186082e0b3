// The view: the state drawn into a cell grid, nothing else. Pictures come from the cell
// cache (converted once per size), so building a frame is copying and a few lines of
// text.
import Foundation
import StrataEdit

public struct EditorView {
    public let cache: CellCache
    public init(cache: CellCache) { self.cache = cache }

    public func render(_ s: EditorState) -> CellGrid {
        let t = s.theme
        var g = CellGrid(width: s.width, height: s.height, fill: Cell(" ", fg: t.text, bg: t.background))
        if s.tooSmall {
            let lines = ["Make the window larger:", "Strata needs at least 80×24,", "this one is \(s.width)×\(s.height)."]
            for (i, line) in lines.enumerated() {
                g.text(line, x: max(0, (s.width - line.count) / 2), y: s.height / 2 - 1 + i, fg: i == 0 ? t.accent : t.text, bg: t.background)
            }
            return g
        }
        let l = s.layout
        title(&g, s, l.title)
        if let n = s.newImage {
            newImageView(&g, s, n, l.main)
        } else if let compare = s.compare, !s.results.isEmpty {
            compareView(&g, s, compare, l.main)
        } else if let z = s.zoomed {
            pane(&g, s, z, l.main)
        } else {
            for p in [Pane.source, .reference, .results, .parameters] { pane(&g, s, p, l.rect(p)) }
        }
        prompts(&g, s, l.prompts)
        status(&g, s, l.status)
        footer(&g, s, l.footer)
        if s.showHelp { help(&g, s) }
        if s.confirmQuit { banner(&g, s, s.message) }
        return g
    }

    func title(_ g: inout CellGrid, _ s: EditorState, _ r: Rect) {
        let t = s.theme
        g.fill(r, with: Cell(" ", fg: t.text, bg: t.panel))
        var x = g.text(" Strata ", x: 0, y: r.y, fg: t.background, bg: t.accent, bold: true)
        x += g.text("  " + s.title, x: x, y: r.y, fg: t.text, bg: t.panel, maxWidth: max(0, r.width - x - 40))
        let right = "live \(s.live ? "on" : "off") · \(s.settings.preset.rawValue) · \(s.settings.method.rawValue) · \(s.theme.name) "
        g.text(right, x: max(x + 1, r.width - right.count), y: r.y, fg: t.dim, bg: t.panel)
    }

    func box(_ g: inout CellGrid, _ s: EditorState, _ r: Rect, title: String, focused: Bool, note: String = "") {
        let t = s.theme
        guard r.width >= 2, r.height >= 2 else { return }
        let c = focused ? t.focus : t.border
        g.fill(r, with: Cell(" ", fg: t.text, bg: t.panel))
        for x in r.x..<(r.x + r.width) {
            g[x, r.y] = Cell("─", fg: c, bg: t.panel); g[x, r.y + r.height - 1] = Cell("─", fg: c, bg: t.panel)
        }
        for y in r.y..<(r.y + r.height) {
            g[r.x, y] = Cell("│", fg: c, bg: t.panel); g[r.x + r.width - 1, y] = Cell("│", fg: c, bg: t.panel)
        }
        g[r.x, r.y] = Cell("┌", fg: c, bg: t.panel); g[r.x + r.width - 1, r.y] = Cell("┐", fg: c, bg: t.panel)
        g[r.x, r.y + r.height - 1] = Cell("└", fg: c, bg: t.panel); g[r.x + r.width - 1, r.y + r.height - 1] = Cell("┘", fg: c, bg: t.panel)
        let used = g.text(" \(title) ", x: r.x + 2, y: r.y, fg: focused ? t.focus : t.text, bg: t.panel, bold: focused, maxWidth: r.width - 4)
        if !note.isEmpty { g.text(" \(note) ", x: r.x + 2 + used, y: r.y, fg: t.warning, bg: t.panel, maxWidth: max(0, r.width - 4 - used)) }
    }

    func staleNote(_ s: EditorState, _ stages: [EditStage]) -> String {
        stages.contains(where: s.stale.contains) ? "stale" : ""
    }

    func pane(_ g: inout CellGrid, _ s: EditorState, _ p: Pane, _ r: Rect) {
        switch p {
        case .source: sourcePane(&g, s, r)
        case .reference:
            box(&g, s, r, title: s.givenReference == nil ? "Reference (generated O_t)" : "Reference (given)", focused: s.focus == .reference,
                note: staleNote(s, [.reference]))
            if let pic = s.givenReference ?? s.reference { image(&g, pic, in: r.inset(1)) } else {
                g.text("not generated yet", x: r.x + 2, y: r.y + 2, fg: s.theme.dim, bg: s.theme.panel, maxWidth: r.width - 4)
            }
        case .results: resultsPane(&g, s, r)
        case .parameters: parametersPane(&g, s, r)
        case .prompts: prompts(&g, s, r)
        }
    }

    @discardableResult
    func image(_ g: inout CellGrid, _ pic: Picture, in r: Rect) -> Rect {
        let ir = EditorLayout.imageRect(in: r)
        g.blit(cache.cells(pic, columns: ir.width, rows: ir.height), x: ir.x, y: ir.y)
        return ir
    }

    func sourcePane(_ g: inout CellGrid, _ s: EditorState, _ r: Rect) {
        let t = s.theme
        let mode = s.placing ? "placing" : (s.paintValue == 1 ? "paint" : "erase")
        box(&g, s, r, title: String(format: "Source · %.0f%% · ●%d %@", s.mask.coverage * 100, s.brush, mode),
            focused: s.focus == .source)
        let ir = image(&g, s.source, in: r.inset(1))
        let side = s.source.side
        // Mask and proposal overlays: each cell tinted by the share of its pixels covered.
        let placed = s.placement.isIdentity ? nil : MaskOps.placedPixels(s.mask.pixels, side: side, placement: s.placement)
        for cy in 0..<ir.height { for cx in 0..<ir.width {
            func share(_ m: [UInt8]) -> Double { Self.cellMean(m, side: side, cell: (cx, cy), of: ir) }
            var cell = g[ir.x + cx, ir.y + cy]
            if s.showMask {
                let m = share(s.mask.pixels)
                if m > 0 { cell.fg = cell.fg.mixed(with: t.mask, 0.5 * m); cell.bg = cell.bg.mixed(with: t.mask, 0.5 * m) }
                if let placed {
                    let q = share(placed)
                    if q > 0 && q < 1 { cell.bg = cell.bg.mixed(with: t.accent, 0.6) }
                }
            }
            if let p = s.mask.proposal {
                let q = share(p)
                if q > 0 { cell.fg = cell.fg.mixed(with: t.good, 0.55 * q); cell.bg = cell.bg.mixed(with: t.good, 0.55 * q) }
            }
            g[ir.x + cx, ir.y + cy] = cell
        } }
        if s.focus == .source {
            let cx = ir.x + s.cursor.x * ir.width / side, cy = ir.y + s.cursor.y * ir.height / side
            g[cx, cy] = Cell("◆", fg: t.focus, bg: g[cx, cy].bg, bold: true)
        }
    }

    func resultsPane(_ g: inout CellGrid, _ s: EditorState, _ r: Rect) {
        let t = s.theme
        var title = "Results"
        if let sw = s.sweep { title += " · sweep \(sw.parameter.label): \(sw.values.joined(separator: ", "))" }
        box(&g, s, r, title: title, focused: s.focus == .results, note: staleNote(s, [.sample]))
        let inner = r.inset(1)
        if s.results.isEmpty {
            g.text(s.isRunning ? "working…" : "no results yet: r runs the edit", x: inner.x + 1, y: inner.y + 1, fg: t.dim, bg: t.panel, maxWidth: inner.width - 2)
            return
        }
        let (rows, columns) = EditorLayout.grid(count: s.results.count, rows: s.sweep.map { max(1, $0.values.count) })
        for (i, slot) in s.results.enumerated() {
            let row = i / columns, column = i % columns
            guard row < rows else { break }
            let x0 = inner.x + column * inner.width / columns, x1 = inner.x + (column + 1) * inner.width / columns
            let y0 = inner.y + row * inner.height / rows, y1 = inner.y + (row + 1) * inner.height / rows
            let tile = Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
            let label = (slot.sweepValue.map { "\($0) · " } ?? "") + "seed \(slot.seed)"
            let chosen = i == s.selected
            g.text(label, x: tile.x + 1, y: tile.y + tile.height - 1, fg: chosen ? t.focus : t.dim, bg: t.panel, bold: chosen, maxWidth: tile.width - 2)
            image(&g, slot.picture, in: Rect(x: tile.x + 1, y: tile.y, width: tile.width - 2, height: tile.height - 1))
            if chosen { g.text("▶", x: tile.x, y: tile.y + tile.height - 1, fg: t.focus, bg: t.panel) }
        }
    }

    func parametersPane(_ g: inout CellGrid, _ s: EditorState, _ r: Rect) {
        let t = s.theme
        let all = EditorParameter.allCases
        let rows = EditorLayout.parameterRows(height: r.height, sweepOpen: s.sweepEditor != nil)
        let first = EditorLayout.firstParameterRow(chosen: s.parameter, count: all.count, rows: rows)
        let shown = min(rows, all.count - first)
        let title = shown < all.count ? "Parameters \(first + 1)–\(first + shown)/\(all.count)" : "Parameters"
        box(&g, s, r, title: title, focused: s.focus == .parameters)
        for (row, i) in (first..<(first + shown)).enumerated() {
            let p = all[i]
            let y = r.y + 1 + row
            let chosen = i == s.parameter
            let bg = chosen && s.focus == .parameters ? t.selection : t.panel
            g.fill(Rect(x: r.x + 1, y: y, width: r.width - 2, height: 1), with: Cell(" ", fg: t.text, bg: bg))
            let stale = p.firstStale.map { s.stale.contains($0) } ?? false
            var value = p.value(s.settings)
            if chosen, let typing = s.typing { value = typing.text + "▏" }
            let valueWidth = min(value.count, r.width - 6)
            g.text(p.label, x: r.x + 2, y: y, fg: stale ? t.warning : t.dim, bg: bg, maxWidth: max(0, r.width - 5 - valueWidth))
            g.text(value, x: r.x + r.width - 2 - valueWidth, y: y, fg: chosen ? t.focus : t.text, bg: bg, bold: chosen, maxWidth: valueWidth)
        }
        if let editor = s.sweepEditor, r.height > 2 {
            g.text("sweep values: " + editor.text + "▏", x: r.x + 2, y: r.y + r.height - 2, fg: t.accent, bg: t.panel, maxWidth: r.width - 4)
        }
    }

    func prompts(_ g: inout CellGrid, _ s: EditorState, _ r: Rect) {
        let t = s.theme
        let names = ["Subject", "Background", "Caption"]
        for i in 0..<3 {
            let y = r.y + i
            let active = s.focus == .prompts && s.field == i
            g.fill(Rect(x: r.x, y: y, width: r.width, height: 1), with: Cell(" ", fg: t.text, bg: active ? t.selection : t.background))
            g.text(String(names[i].padding(toLength: 11, withPad: " ", startingAt: 0)), x: r.x + 1, y: y,
                   fg: active ? t.focus : t.dim, bg: active ? t.selection : t.background, bold: active)
            let fieldX = r.x + 13, fieldWidth = r.width - 14
            let (text, column) = s.fields[i].visible(width: fieldWidth)
            g.text(text, x: fieldX, y: y, fg: t.text, bg: active ? t.selection : t.background, maxWidth: fieldWidth)
            if active {
                let cx = fieldX + column
                let ch = cx - fieldX < text.count ? Array(text)[cx - fieldX] : " "
                g[cx, y] = Cell(ch, fg: t.selection, bg: t.text)
            }
            if i == 2 && !active {
                let hint = "(Enter in this field splits it)"
                if text.count + hint.count + 2 < fieldWidth { g.text(hint, x: fieldX + text.count + 2, y: y, fg: t.dim, bg: t.background) }
            }
        }
    }

    func status(_ g: inout CellGrid, _ s: EditorState, _ r: Rect) {
        let t = s.theme
        g.fill(r, with: Cell(" ", fg: t.text, bg: t.panel))
        var x = r.x + 1
        switch s.job {
        case let .running(stage, step, total, started, _):
            let elapsed = s.now - started
            x += g.text(String(format: "%@ %d/%d  %.1f s  ETA %.1f s", stage.rawValue, step, total, elapsed, s.stageSecondsLeft), x: x, y: r.y, fg: t.accent, bg: t.panel, bold: true)
            if !s.objectLosses.isEmpty {
                let names = stage == .optimise ? ("subject", "background") : ("L_obj", "L_bg")
                // The two labels take about 38 columns; the message (the job's expected
                // duration) keeps up to 40 of what is left.
                let w = max(4, (r.width - x - 38 - min(s.message.count + 2, 40)) / 2)
                // Each step's loss is drawn at a random timestep: show the running mean.
                let o = Sparkline.smoothed(s.objectLosses), b = Sparkline.smoothed(s.backgroundLosses)
                x += g.text(String(format: "  %@ %.4f ", names.0, o.last!), x: x, y: r.y, fg: t.text, bg: t.panel)
                x += g.text(Sparkline.render(o, width: w), x: x, y: r.y, fg: t.good, bg: t.panel)
                x += g.text(String(format: "  %@ %.4f ", names.1, b.last!), x: x, y: r.y, fg: t.text, bg: t.panel)
                x += g.text(Sparkline.render(b, width: w), x: x, y: r.y, fg: t.focus, bg: t.panel)
            }
        case .failed(let text):
            x += g.text("error: " + text, x: x, y: r.y, fg: t.error, bg: t.panel, maxWidth: r.width - 2)
        case .idle:
            let stale = EditStage.allCases.filter(s.stale.contains).map(\.rawValue)
            let state = stale.isEmpty ? "up to date" : "stale: " + stale.joined(separator: ", ")
            x += g.text(state, x: x, y: r.y, fg: stale.isEmpty ? t.good : t.warning, bg: t.panel)
            if !s.message.isEmpty { x += g.text("  " + s.message, x: x, y: r.y, fg: t.text, bg: t.panel, maxWidth: r.width - x - 1) }
        }
        if s.isRunning, !s.message.isEmpty, x + 4 < r.width {
            g.text("  " + s.message, x: x, y: r.y, fg: t.dim, bg: t.panel, maxWidth: r.width - x - 1)
        }
    }

    static func footerKeys(_ s: EditorState) -> String {
        if let n = s.newImage {
            if n.typing { return "type a prompt · Enter generate · Esc " + (n.candidates.isEmpty ? "close" : "back") }
            return "←/→ choose · 1 composite 2 foreground 3 background 4 mask · f/b toggle · s save layer · Enter edit · p prompt · r again · Esc close"
        }
        if s.typing != nil || s.sweepEditor != nil { return "Enter set · Esc cancel" }
        if s.compare != nil { return "←/→ wipe · space flip · ↑/↓ result · c/Esc close" }
        let common = "Tab pane · r run · ^N new image · Esc cancel · ? help · q quit"
        switch s.focus {
        case .source:
            return s.placing ? "arrows move · +/- scale · 0 reset · p done · " + common
                : "arrows cursor · space paint · x erase · [ ] brush · u/U undo/redo · i invert · g suggest · f fill · a/n accept/reject · p place · " + common
        case .prompts: return "type · ↑/↓ field · Enter next/split · ^W word · ^K/^U kill · Tab pane"
        case .parameters: return "↑/↓ choose · ←/→ step · Enter type a value · " + common
        case .results: return "←/→ choose · c compare · w sweep · s save · S save all · z zoom · " + common
        case .reference: return "z zoom · " + common
        }
    }

    func footer(_ g: inout CellGrid, _ s: EditorState, _ r: Rect) {
        g.fill(r, with: Cell(" ", fg: s.theme.dim, bg: s.theme.background))
        g.text(" " + Self.footerKeys(s), x: r.x, y: r.y, fg: s.theme.dim, bg: s.theme.background, maxWidth: r.width)
    }

    func compareView(_ g: inout CellGrid, _ s: EditorState, _ mode: CompareMode, _ r: Rect) {
        let result = s.results[min(s.selected, s.results.count - 1)]
        let label: String
        switch mode {
        case .flip(let shown): label = shown ? "Compare · result seed \(result.seed) (space: source)" : "Compare · source (space: result)"
        case .wipe(let c): label = String(format: "Compare · source | result seed %d · wipe %.0f%%", result.seed, c * 100)
        }
        box(&g, s, r, title: label, focused: true)
        let ir = EditorLayout.imageRect(in: r.inset(1))
        let a = cache.cells(s.source, columns: ir.width, rows: ir.height), b = cache.cells(result.picture, columns: ir.width, rows: ir.height)
        switch mode {
        case .flip(let shown): g.blit(shown ? b : a, x: ir.x, y: ir.y)
        case .wipe(let c):
            let split = Int((Double(ir.width) * c).rounded())
            for y in 0..<ir.height { for x in 0..<ir.width { g[ir.x + x, ir.y + y] = x < split ? a[x, y] : b[x, y] } }
            if split > 0 && split < ir.width { for y in 0..<ir.height { g[ir.x + split, ir.y + y].fg = s.theme.accent; g[ir.x + split, ir.y + y].char = "▏" } }
        }
    }

    /// The new-image mode: the prompt, then each seed's candidate in the chosen view.
    func newImageView(_ g: inout CellGrid, _ s: EditorState, _ n: NewImageState, _ r: Rect) {
        let t = s.theme
        let views = LayerView.allCases.enumerated().map { i, v in v == n.view ? "[\(i + 1) \(v.rawValue)]" : "\(i + 1) \(v.rawValue)" }
        var toggles = ""
        if n.view == .composite && !(n.showForeground && n.showBackground) {
            toggles = " · " + (n.showForeground ? "F" : "") + (n.showBackground ? "B" : "") + (n.showForeground || n.showBackground ? " only" : "no layers")
        }
        box(&g, s, r, title: "New image (layers from text) · " + views.joined(separator: " ") + toggles, focused: true)
        let inner = r.inset(1)
        guard inner.height >= 4 else { return }
        let label = "Prompt "
        g.text(label, x: inner.x + 1, y: inner.y, fg: n.typing ? t.focus : t.dim, bg: t.panel, bold: n.typing)
        let fieldX = inner.x + 1 + label.count, fieldWidth = max(1, inner.width - label.count - 2)
        let (text, column) = n.prompt.visible(width: fieldWidth)
        g.text(text, x: fieldX, y: inner.y, fg: t.text, bg: n.typing ? t.selection : t.panel, maxWidth: fieldWidth)
        if n.typing { g[fieldX + column, inner.y] = Cell(column < text.count ? Array(text)[column] : " ", fg: t.selection, bg: t.text) }
        let area = Rect(x: inner.x, y: inner.y + 1, width: inner.width, height: inner.height - 1)
        if let p = n.progress {
            let line = p.total > 1 ? String(format: "generating: step %d of %d (%.0f%%)", p.step, p.total, Double(p.step) * 100 / Double(p.total)) : "generating…"
            g.text(line, x: area.x + 1, y: area.y, fg: t.accent, bg: t.panel, maxWidth: area.width - 2)
        }
        guard !n.candidates.isEmpty else {
            if n.progress == nil {
                g.text("Enter generates a foreground, a background and a mask for each seed (\(n.seeds.map(String.init).joined(separator: ", ")))",
                       x: area.x + 1, y: area.y + 1, fg: t.dim, bg: t.panel, maxWidth: area.width - 2)
            }
            return
        }
        let tiles = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1)
        let columns = n.candidates.count
        for (i, c) in n.candidates.enumerated() {
            let x0 = tiles.x + i * tiles.width / columns, x1 = tiles.x + (i + 1) * tiles.width / columns
            let tile = Rect(x: x0, y: tiles.y, width: x1 - x0, height: tiles.height)
            let chosen = i == n.selected
            g.text("seed \(c.seed)", x: tile.x + 1, y: tile.y + tile.height - 1, fg: chosen ? t.focus : t.dim, bg: t.panel, bold: chosen, maxWidth: tile.width - 2)
            if chosen { g.text("▶", x: tile.x, y: tile.y + tile.height - 1, fg: t.focus, bg: t.panel) }
            let box = Rect(x: tile.x + 1, y: tile.y, width: tile.width - 2, height: tile.height - 1)
            guard let pic = n.picture(c) else {
                g.text("(no layer shown)", x: box.x, y: box.y, fg: t.dim, bg: t.panel, maxWidth: box.width)
                continue
            }
            let ir = image(&g, pic, in: box)
            if n.view == .mask { tint(&g, ir, side: c.side, coverage: c.mask, full: 255, colour: t.mask, strength: 0.6) }
        }
    }

    /// Tints each cell of an image drawn at `ir` by the share of its pixels `coverage`
    /// covers (each pixel's value over `full`).
    func tint(_ g: inout CellGrid, _ ir: Rect, side: Int, coverage: [UInt8], full: Int, colour: RGB, strength: Double) {
        for cy in 0..<ir.height { for cx in 0..<ir.width {
            let share = Self.cellMean(coverage, side: side, cell: (cx, cy), of: ir) / Double(full)
            guard share > 0 else { continue }
            var cell = g[ir.x + cx, ir.y + cy]
            cell.fg = cell.fg.mixed(with: colour, strength * share); cell.bg = cell.bg.mixed(with: colour, strength * share)
            g[ir.x + cx, ir.y + cy] = cell
        } }
    }

    /// The mean of a `side`×`side` plane's values over the pixels that cell (cx, cy) of an
    /// image drawn at `ir` shows.
    static func cellMean(_ plane: [UInt8], side: Int, cell: (x: Int, y: Int), of ir: Rect) -> Double {
        let x0 = cell.x * side / ir.width, x1 = max(x0 + 1, (cell.x + 1) * side / ir.width)
        let y0 = cell.y * side / ir.height, y1 = max(y0 + 1, (cell.y + 1) * side / ir.height)
        var sum = 0
        for y in y0..<y1 { for x in x0..<x1 { sum += Int(plane[y * side + x]) } }
        return Double(sum) / Double((y1 - y0) * (x1 - x0))
    }

    static let helpLines = [
        "Strata — keys",
        "",
        "Everywhere   Tab/Shift-Tab pane · r run (chosen preset) · l live preview on/off · Ctrl-N new image",
        "             Esc cancel the job · z zoom pane · c compare · t theme · s/S save · ? help · q quit",
        "Source       arrows cursor (H J K L by 4) · space paint · x erase · e mouse paints/erases",
        "             [ ] brush · u undo · U redo · i invert · C clear · m mask overlay",
        "             g suggest a mask (DiffEdit) · f flood fill from the cursor · a accept · n reject",
        "             p placement: arrows move, + - scale, 0 reset · mouse: drag paints (or moves),",
        "             right-click flood-fills from the point clicked",
        "Texts        type · ←/→ · Ctrl-←/→ words · Home/End · Ctrl-W word · Ctrl-K/U kill",
        "             ↑/↓ field · Enter in the caption splits it into subject and background",
        "Parameters   ↑/↓ choose · ←/→ or wheel step · Enter type a value",
        "Results      ←/→ choose · w sweep the chosen parameter over up to 4 values · c compare",
        "Compare      ←/→ move the wipe · space flip source and result · c close",
        "New image    a prompt → layers per seed (Text2Layer) · ←/→ choose · 1–4 composite, foreground,",
        "             background, mask · f/b toggle layers · s save the layer · Enter edit it (its mask)",
        "",
        "Changes mark stages stale; after a pause the edit reruns from the first stale",
        "stage in the quick preset (live preview). Cached stages come back at once.",
    ]

    func help(_ g: inout CellGrid, _ s: EditorState) {
        let w = min(s.width - 4, 100), h = min(s.height - 2, Self.helpLines.count + 2)
        let r = Rect(x: (s.width - w) / 2, y: (s.height - h) / 2, width: w, height: h)
        box(&g, s, r, title: "Help (? or Esc closes)", focused: true)
        for (i, line) in Self.helpLines.prefix(h - 2).enumerated() {
            g.text(line, x: r.x + 2, y: r.y + 1 + i, fg: i == 0 ? s.theme.accent : s.theme.text, bg: s.theme.panel, bold: i == 0, maxWidth: w - 4)
        }
    }

    func banner(_ g: inout CellGrid, _ s: EditorState, _ text: String) {
        let w = min(s.width - 4, text.count + 6)
        let r = Rect(x: (s.width - w) / 2, y: s.height / 2 - 1, width: w, height: 3)
        box(&g, s, r, title: "", focused: true)
        g.text(text, x: r.x + 3, y: r.y + 1, fg: s.theme.warning, bg: s.theme.panel, bold: true, maxWidth: w - 6)
    }
}
