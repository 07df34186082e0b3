// The update: a pure function of the state and one message that returns the effects
// the runtime must carry out (start or cancel a job, save, suggest a mask, quit). Keys
// go to the focused pane unless an overlay, a typed value or a confirmation has them.
import StrataEdit

extension EditorState {
    public mutating func update(_ msg: EditorMsg) -> [EditorEffect] {
        switch msg {
        case .resize(let w, let h):
            width = w; height = h
            return []
        case .tick(let t):
            now = t
            return debounced()
        case let .progress(p, at):
            now = at
            record(p)
            return []
        case .finished(let outcome):
            job = .idle
            results = outcome.results
            selected = min(selected, max(0, results.count - 1))
            if let r = outcome.reference { reference = r }
            let reused = outcome.reused.isEmpty ? "" : " (\(outcome.reused.map(\.rawValue).joined(separator: ", ")) from the cache)"
            message = String(format: "done in %.1f s%@", outcome.seconds, reused)
            return [.autosave]
        case .failed(let text):
            if case .running = job { stale.formUnion(staleBeforeRun) }
            job = text.hasPrefix("cancelled") ? .idle : .failed(text)
            message = text
            return []
        case .suggested(let m):
            mask.proposal = m
            message = "suggested mask: a accepts, n rejects"
            return []
        case .info(let text):
            message = text
            return []
        case let .layersProgress(step, total):
            newImage?.progress = NewImageState.Progress(step: step, total: total)
            return []
        case .layered(let outcome):
            layered(outcome)
            return []
        case .mouse(let kind, let x, let y):
            return newImage == nil ? mouse(kind, x: x, y: y) : []
        case .key(let k):
            return key(k)
        }
    }

    mutating func record(_ p: StageProgress) {
        let started: Double
        var stageStarted = now
        if case let .running(stage, _, _, s, ss) = job {
            started = s
            if stage == p.stage { stageStarted = ss } else { objectLosses = []; backgroundLosses = []; stageFirstStep = 0 }
        } else { started = now; stageFirstStep = 0 }
        if p.resumed { stageFirstStep = p.step }
        job = .running(stage: p.stage, step: p.step, total: p.total, started: started, stageStarted: stageStarted)
        if let o = p.objectLoss, let b = p.backgroundLoss {
            objectLosses.append(o); backgroundLosses.append(b)
            if objectLosses.count > 400 { objectLosses.removeFirst(); backgroundLosses.removeFirst() }
        }
    }

    /// Marks `stage` and every later one stale and starts the debounce.
    mutating func changed(from stage: EditStage?) {
        guard let stage else { return }
        for s in EditStage.allCases where s.index >= stage.index { stale.insert(s) }
        lastChange = now
        unsaved = true
    }

    mutating func debounced() -> [EditorEffect] {
        guard let t = lastChange, now - t >= Self.debounce else { return [] }
        lastChange = nil
        var effects: [EditorEffect] = [.autosave]
        if live, !stale.isEmpty, canRun, newImage == nil { effects += start(preset: .quick) }
        return effects
    }

    var canRun: Bool {
        mask.coverage > 0 && mask.coverage < 1 && !subject.trimmingCharacters(in: .whitespaces).isEmpty
            && !background.trimmingCharacters(in: .whitespaces).isEmpty
    }

    mutating func start(preset: EditPreset) -> [EditorEffect] {
        guard canRun else {
            message = mask.coverage == 0 ? "paint the subject first (space paints, g suggests)" : "fill in the subject and background texts"
            return []
        }
        let effects: [EditorEffect] = isRunning ? [.cancel] : []
        job = .running(stage: .reference, step: 0, total: 1, started: now, stageStarted: now)
        objectLosses = []; backgroundLosses = []
        staleBeforeRun = stale
        stale = []
        message = "running (\(preset.rawValue))"
        return effects + [.run(request(preset: preset))]
    }

    mutating func key(_ k: Key) -> [EditorEffect] {
        if confirmQuit {
            confirmQuit = false
            if k == .char("y") || k == .char("q") { return [.cancel, .quit] }
            message = ""
            return []
        }
        if showHelp {
            if k == .escape || k == .char("?") || k == .function(1) || k == .char("q") { showHelp = false }
            return []
        }
        if newImage != nil { return newImageKey(k) }
        // Keys typed faster than a frame arrive together, as a paste: outside the text
        // fields they are keys one by one.
        if case .paste(let text) = k, typing == nil, sweepEditor == nil, focus != .prompts {
            return text.flatMap { key(.char($0)) }
        }
        if typing != nil { return typeValue(k) }
        if sweepEditor != nil { return typeSweep(k) }
        if focus == .prompts, let effects = promptKey(k) { return effects }
        if let compare, let effects = compareKey(k, compare) { return effects }
        switch k {
        case .tab: focus = Pane(rawValue: (focus.rawValue + 1) % Pane.allCases.count)!; return []
        case .backTab: focus = Pane(rawValue: (focus.rawValue + Pane.allCases.count - 1) % Pane.allCases.count)!; return []
        case .function(1), .char("?"): showHelp = true; return []
        case .ctrl("q"), .char("q"):
            if isRunning || unsaved { confirmQuit = true; message = isRunning ? "a job is running: quit? (y/n)" : "unsaved work: quit? (y/n)"; return [] }
            return [.quit]
        case .escape:
            if zoomed != nil { zoomed = nil; return [] }
            if isRunning { message = "cancelling…"; return [.cancel] }
            return []
        case .ctrl("r"), .char("r"): return start(preset: settings.preset)
        case .ctrl("n"): return openNewImage()
        case .char("l"): live.toggle(); message = live ? "live preview on" : "live preview off"; return []
        case .char("t"): themeIndex = (themeIndex + 1) % themes.count; message = "theme: \(theme.name)"; return [.autosave]
        case .char("z"): zoomed = zoomed == nil ? focus : nil; return []
        case .char("c"):
            guard !results.isEmpty else { message = "no result to compare yet"; return [] }
            compare = .wipe(column: 0.5); return []
        case .char("s"): return results.isEmpty ? [] : [.saveResults(all: false)]
        case .char("S"): return results.isEmpty ? [] : [.saveResults(all: true)]
        default: break
        }
        switch focus {
        case .source: return sourceKey(k)
        case .results: return resultsKey(k)
        case .parameters: return parameterKey(k)
        case .reference, .prompts: return []
        }
    }

    mutating func compareKey(_ k: Key, _ mode: CompareMode) -> [EditorEffect]? {
        switch (k, mode) {
        case (.escape, _), (.char("c"), _): compare = nil
        case (.char(" "), .wipe): compare = .flip(showResult: true)
        case (.char(" "), .flip(let shown)): compare = .flip(showResult: !shown)
        case (.char("w"), _): compare = .wipe(column: 0.5)
        case (.left, .wipe(let c)): compare = .wipe(column: max(0, c - 0.05))
        case (.right, .wipe(let c)): compare = .wipe(column: min(1, c + 0.05))
        case (.up, _): selected = max(0, selected - 1)
        case (.down, _): selected = min(results.count - 1, selected + 1)
        default: return nil
        }
        return []
    }
}

extension EditStage {
    var index: Int { EditStage.allCases.firstIndex(of: self)! }
}
