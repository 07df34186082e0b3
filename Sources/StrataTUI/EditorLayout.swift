// Where each pane goes for a window of width×height cells (at least 80×24): a title row,
// then source and reference stacked on the left, the results grid in the middle, the
// parameters on the right; the three text fields, the status line and the footer below.

public struct EditorLayout: Equatable {
    public var title: Rect, source: Rect, reference: Rect, results: Rect, parameters: Rect
    public var prompts: Rect, status: Rect, footer: Rect
    /// Everything between the title and the text fields (a zoomed pane's room).
    public var main: Rect

    public init(width: Int, height: Int) {
        title = Rect(x: 0, y: 0, width: width, height: 1)
        footer = Rect(x: 0, y: height - 1, width: width, height: 1)
        status = Rect(x: 0, y: height - 2, width: width, height: 1)
        prompts = Rect(x: 0, y: height - 5, width: width, height: 3)
        main = Rect(x: 0, y: 1, width: width, height: height - 6)
        let paramWidth = min(34, max(26, width / 5))
        parameters = Rect(x: width - paramWidth, y: main.y, width: paramWidth, height: main.height)
        let left = width - paramWidth
        let sourceWidth = max(20, left / 3)
        let top = main.height / 2
        source = Rect(x: 0, y: main.y, width: sourceWidth, height: top)
        reference = Rect(x: 0, y: main.y + top, width: sourceWidth, height: main.height - top)
        results = Rect(x: sourceWidth, y: main.y, width: left - sourceWidth, height: main.height)
    }

    public func rect(_ pane: Pane) -> Rect {
        switch pane {
        case .source: return source
        case .reference: return reference
        case .results: return results
        case .prompts: return prompts
        case .parameters: return parameters
        }
    }

    /// The largest square image (in pixels: one cell is one pixel wide and two tall)
    /// centred in `r`: its cell rectangle.
    public static func imageRect(in r: Rect) -> Rect {
        let rows = max(1, min(r.height, r.width / 2)), cols = rows * 2
        return Rect(x: r.x + (r.width - cols) / 2, y: r.y + (r.height - rows) / 2, width: cols, height: rows)
    }

    /// Parameter rows inside a parameters pane `height` cells tall: the sweep editor
    /// takes the last one while it is open.
    public static func parameterRows(height: Int, sweepOpen: Bool) -> Int {
        max(0, height - 2 - (sweepOpen ? 1 : 0))
    }

    /// The first parameter row shown when `rows` of `count` fit: the list scrolls just
    /// enough to keep the chosen one in view.
    public static func firstParameterRow(chosen: Int, count: Int, rows: Int) -> Int {
        guard rows > 0, count > rows else { return 0 }
        return min(count - rows, max(0, chosen - rows + 1))
    }

    /// Cells of the results grid: `rows`×`columns` tiles for `count` images.
    public static func grid(count: Int, rows requested: Int? = nil) -> (rows: Int, columns: Int) {
        if let r = requested { return (r, max(1, (count + r - 1) / r)) }
        switch count {
        case ...1: return (1, 1)
        case 2: return (1, 2)
        case 3, 4: return (2, 2)
        case 5, 6: return (2, 3)
        default: return (2, 4)
        }
    }
}
