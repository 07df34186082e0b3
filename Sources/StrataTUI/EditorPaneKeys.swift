// Keys of each pane: painting and placing in the source pane, line editing in the text
// fields, stepping and typing parameters, choosing results and setting up a sweep.
import StrataEdit

extension EditorState {
    mutating func sourceKey(_ k: Key) -> [EditorEffect] {
        let side = source.side
        func move(_ dx: Int, _ dy: Int) {
            if placing {
                placement.dx += dx; placement.dy += dy
                changed(from: .finetune)
            } else {
                cursor = (min(side - 1, max(0, cursor.x + dx)), min(side - 1, max(0, cursor.y + dy)))
            }
        }
        switch k {
        case .left: move(-1, 0)
        case .right: move(1, 0)
        case .up: move(0, -1)
        case .down: move(0, 1)
        case .char("H"): move(-4, 0)
        case .char("L"): move(4, 0)
        case .char("K"): move(0, -4)
        case .char("J"): move(0, 4)
        case .char(" "): mask.dab(x: cursor.x, y: cursor.y, radius: brush, value: 1); changed(from: .optimise)
        case .char("x"): mask.dab(x: cursor.x, y: cursor.y, radius: brush, value: 0); changed(from: .optimise)
        case .char("e"): paintValue = 1 - paintValue; message = paintValue == 1 ? "mouse paints" : "mouse erases"
        case .char("]"): brush = min(32, brush + 1); message = "brush \(brush)"
        case .char("["): brush = max(0, brush - 1); message = "brush \(brush)"
        case .char("i"): mask.invert(); changed(from: .optimise)
        case .char("C"): mask.clear(); changed(from: .optimise)
        case .char("u"): guard mask.canUndo else { message = "nothing to undo"; break }; mask.undo(); changed(from: .optimise)
        case .char("U"), .ctrl("y"): guard mask.canRedo else { message = "nothing to redo"; break }; mask.redo(); changed(from: .optimise)
        case .char("m"): showMask.toggle()
        case .char("g"): message = "suggesting a mask from the model…"; return [.suggestMask]
        case .char("f"):
            mask.proposal = FloodFill.region(rgb: source.rgb, side: side, from: cursor, tolerance: 0.12)
            message = "flood fill from the cursor: a accepts, n rejects"
        case .char("a"):
            guard mask.proposal != nil else { break }
            mask.acceptProposal(); changed(from: .optimise); message = "mask accepted"
        case .char("n"): mask.rejectProposal(); message = "proposal rejected"
        case .char("p"): placing.toggle(); message = placing ? "placement: arrows move, + and - scale, 0 resets, p ends" : ""
        case .char("+"), .char("="):
            placement.scale = min(3, (placement.scale * 1.1 * 100).rounded() / 100); changed(from: .finetune)
        case .char("-"):
            placement.scale = max(0.3, (placement.scale / 1.1 * 100).rounded() / 100); changed(from: .finetune)
        case .char("0"): placement = Placement(); changed(from: .finetune)
        default: break
        }
        return []
    }

    /// Text field keys; nil when the key is not the field's (Tab, global keys).
    mutating func promptKey(_ k: Key) -> [EditorEffect]? {
        var f = fields[field]
        switch k {
        case .char(let c): f.insert(String(c))
        case .paste(let s): f.insert(s)
        case .backspace: f.backspace()
        case .delete: f.deleteForward()
        case .left: f.left()
        case .right: f.right()
        case .wordLeft: f.wordLeft()
        case .wordRight: f.wordRight()
        case .home, .ctrl("a"): f.home()
        case .end, .ctrl("e"): f.end()
        case .ctrl("w"): f.deleteWordBefore()
        case .ctrl("k"): f.deleteToEnd()
        case .ctrl("u"): f.deleteToStart()
        case .up: field = (field + 2) % 3; return []
        case .down: field = (field + 1) % 3; return []
        case .enter, .ctrl("s"):
            if field == 2 || k == .ctrl("s") { splitCaption() } else { field += 1 }
            return []
        default: return nil
        }
        let before = fields[field].text
        fields[field] = f
        if field < 2, f.text != before {
            fields[2] = LineEditor(subject + " " + background)
            changed(from: .reference)
            message = textWarning?(subject, background) ?? ""
        }
        return []
    }

    /// Splits the caption field into the subject and background fields.
    mutating func splitCaption() {
        let caption = fields[2].text
        guard let (a, b) = captionSplit(caption) else {
            message = "cannot split \"\(caption)\": write the subject, then where it is (\"a dog jumping in a forest\")"
            return
        }
        fields[0] = LineEditor(a); fields[1] = LineEditor(b)
        message = textWarning?(a, b) ?? "split into \"\(a)\" and \"\(b)\""
        changed(from: .reference)
    }

    mutating func parameterKey(_ k: Key) -> [EditorEffect] {
        let all = EditorParameter.allCases
        let p = all[parameter]
        switch k {
        case .up: parameter = (parameter + all.count - 1) % all.count
        case .down: parameter = (parameter + 1) % all.count
        case .right, .char("+"), .char("="): p.step(&settings, 1); changed(from: p.firstStale)
        case .left, .char("-"): p.step(&settings, -1); changed(from: p.firstStale)
        case .enter: typing = LineEditor(p.value(settings))
        default: break
        }
        if p == .preset { lastChange = lastChange ?? now }
        return []
    }

    mutating func typeValue(_ k: Key) -> [EditorEffect] {
        guard var t = typing else { return [] }
        switch k {
        case .escape: typing = nil; return []
        case .enter:
            let p = EditorParameter.allCases[parameter]
            if let error = p.set(&settings, t.text) { message = error } else { changed(from: p.firstStale); message = "" }
            typing = nil
            return []
        default: Self.edit(&t, k)
        }
        typing = t
        return []
    }

    mutating func typeSweep(_ k: Key) -> [EditorEffect] {
        guard var t = sweepEditor else { return [] }
        let p = EditorParameter.sweepable.contains(EditorParameter.allCases[parameter]) ? EditorParameter.allCases[parameter] : .alpha
        switch k {
        case .escape: sweepEditor = nil; return []
        case .enter:
            sweepEditor = nil
            let values = t.text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if values.isEmpty { sweep = nil; message = "sweep off"; changed(from: .sample); return [] }
            guard values.count <= 4 else { message = "a sweep takes up to 4 values"; return [] }
            for v in values {
                var probe = settings
                if let e = p.set(&probe, v) { message = e; return [] }
            }
            sweep = Sweep(parameter: p, values: values)
            message = "sweeping \(p.label) over \(values.joined(separator: ", "))"
            changed(from: p.firstStale)
            return []
        default: Self.edit(&t, k)
        }
        sweepEditor = t
        return []
    }

    static func edit(_ t: inout LineEditor, _ k: Key) {
        switch k {
        case .char(let c): t.insert(String(c))
        case .paste(let s): t.insert(s)
        case .backspace: t.backspace()
        case .delete: t.deleteForward()
        case .left: t.left()
        case .right: t.right()
        case .home: t.home()
        case .end: t.end()
        case .wordLeft: t.wordLeft()
        case .wordRight: t.wordRight()
        case .ctrl("w"): t.deleteWordBefore()
        case .ctrl("k"): t.deleteToEnd()
        case .ctrl("u"): t.deleteToStart()
        default: break
        }
    }

    mutating func resultsKey(_ k: Key) -> [EditorEffect] {
        switch k {
        case .left, .up: selected = max(0, selected - 1)
        case .right, .down: selected = min(max(0, results.count - 1), selected + 1)
        case .char("w"):
            let p = EditorParameter.allCases[parameter]
            let swept = EditorParameter.sweepable.contains(p) ? p : .alpha
            if swept != p { parameter = EditorParameter.allCases.firstIndex(of: .alpha)! }
            sweepEditor = LineEditor(sweep?.values.joined(separator: ", ") ?? Self.sweepSuggestion(swept, settings))
        default: break
        }
        return []
    }

    /// Four values around the current one.
    static func sweepSuggestion(_ p: EditorParameter, _ s: EditorSettings) -> String {
        var values: [String] = []
        var probe = s
        p.step(&probe, -1)
        values.append(p.value(probe))
        values.append(p.value(s))
        probe = s
        p.step(&probe, 1); values.append(p.value(probe))
        p.step(&probe, 1); values.append(p.value(probe))
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }.joined(separator: ", ")
    }
}
