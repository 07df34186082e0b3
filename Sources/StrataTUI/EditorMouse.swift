// The mouse: paint or erase by dragging over the source image (or drag the placement
// box in placement mode), right-click for a flood fill from that point, click a result, a parameter or a text field to choose it,
// turn the wheel over a parameter to step it.

extension EditorState {
    var layout: EditorLayout { EditorLayout(width: width, height: height) }

    /// The pane under (x, y) and its rectangle on screen (a zoomed pane fills the main area).
    func pane(at x: Int, _ y: Int) -> (Pane, Rect)? {
        let l = layout
        if let z = zoomed, l.main.contains(x, y) { return (z, l.main) }
        for p in Pane.allCases where l.rect(p).contains(x, y) { return (p, l.rect(p)) }
        return nil
    }

    /// The image pixel under a cell of the source pane.
    func sourcePixel(x: Int, y: Int, pane: Rect) -> (Int, Int)? {
        let r = EditorLayout.imageRect(in: pane.inset(1))
        guard r.contains(x, y) else { return nil }
        let side = source.side
        return ((2 * (x - r.x) + 1) * side / (2 * r.width), (2 * (y - r.y) + 1) * side / (2 * r.height))
    }

    mutating func mouse(_ kind: MouseKind, x: Int, y: Int) -> [EditorEffect] {
        if showHelp || confirmQuit { return [] }
        if kind == .release {
            if dragging != nil { dragging = nil; mask.endStroke() }
            return []
        }
        if kind == .drag, let last = dragging {
            guard let (_, rect) = pane(at: x, y), let px = sourcePixel(x: x, y: y, pane: rect) else { return [] }
            if placing {
                placement.dx += px.0 - last.x; placement.dy += px.1 - last.y
                changed(from: .finetune)
            } else {
                mask.line(from: (last.x, last.y), to: px, radius: brush, value: paintValue)
                cursor = px
                changed(from: .optimise)
            }
            dragging = (px.0, px.1)
            return []
        }
        guard let (p, rect) = pane(at: x, y) else { return [] }
        switch (kind, p) {
        case (.press, .source):
            focus = .source
            guard let px = sourcePixel(x: x, y: y, pane: rect) else { return [] }
            cursor = px
            dragging = (px.0, px.1)
            if !placing {
                mask.beginStroke()
                mask.dab(x: px.0, y: px.1, radius: brush, value: paintValue)
                changed(from: .optimise)
            }
        case (.secondary, .source):
            focus = .source
            guard let px = sourcePixel(x: x, y: y, pane: rect) else { return [] }
            cursor = px
            mask.proposal = FloodFill.region(rgb: source.rgb, side: source.side, from: px, tolerance: 0.12)
            message = "flood fill from the point clicked: a accepts, n rejects"
        case (.press, .results):
            focus = .results
            let (rows, columns) = EditorLayout.grid(count: results.count, rows: sweep.map { _ in max(1, sweep!.values.count) })
            guard rows > 0, columns > 0 else { return [] }
            let inner = rect.inset(1)
            let column = (x - inner.x) * columns / max(1, inner.width), row = (y - inner.y) * rows / max(1, inner.height)
            let index = row * columns + column
            if index >= 0, index < results.count { selected = index }
        case (.press, .parameters):
            focus = .parameters
            let count = EditorParameter.allCases.count
            let rows = EditorLayout.parameterRows(height: rect.height, sweepOpen: sweepEditor != nil)
            let row = y - rect.y - 1
            let index = EditorLayout.firstParameterRow(chosen: parameter, count: count, rows: rows) + row
            if row >= 0, row < rows, index < count { parameter = index }
        case (.press, .prompts):
            focus = .prompts
            field = max(0, min(2, y - rect.y))
        case (.press, let other):
            focus = other
        case (.wheelUp, .parameters), (.wheelDown, .parameters):
            let param = EditorParameter.allCases[parameter]
            param.step(&settings, kind == .wheelUp ? 1 : -1)
            changed(from: param.firstStale)
        default:
            break
        }
        return []
    }
}
