// The editor's new-image mode (Ctrl-N): a prompt becomes layers (Text2Layer), one
// candidate per seed side by side; each can be seen layer by layer, its layers saved,
// and one opened as the session's source with its generated mask, ready to edit.
import StrataEdit

/// One seed's layers as the interface shows them.
public struct LayeredCandidate: Equatable, Sendable {
    public var seed: UInt64
    public var side: Int
    public var composite: Picture
    /// The foreground over a checkerboard (its transparent part shown as such).
    public var foreground: Picture
    public var background: Picture
    /// The straight RGBA foreground and the 8-bit mask, for saving.
    public var foregroundRGBA: [UInt8]
    public var mask: [UInt8]

    public init(seed: UInt64, side: Int, composite: [UInt8], foregroundRGBA: [UInt8], background: [UInt8], mask: [UInt8]) {
        self.seed = seed; self.side = side; self.foregroundRGBA = foregroundRGBA; self.mask = mask
        self.composite = Picture(side: side, rgb: composite)
        self.background = Picture(side: side, rgb: background)
        var checker = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side { for x in 0..<side {
            let i = y * side + x
            let a = Float(foregroundRGBA[i * 4 + 3]) / 255
            let grey: Float = ((x / 4 + y / 4) % 2 == 0) ? 200 : 150
            for c in 0..<3 { checker[i * 3 + c] = UInt8((Float(foregroundRGBA[i * 4 + c]) * a + grey * (1 - a)).rounded()) }
        } }
        foreground = Picture(side: side, rgb: checker)
    }

    /// The mask as an edit's subject mask: covered where m ≥ ½.
    public var subjectMask: [UInt8] { mask.map { $0 >= 128 ? 1 : 0 } }
}

/// Which layer the candidates show.
public enum LayerView: String, CaseIterable, Sendable {
    case composite, foreground, background, mask
}

public struct NewImageState: Equatable, Sendable {
    public var prompt: LineEditor
    /// Whether keys go to the prompt (else they browse the candidates).
    public var typing = true
    public var candidates: [LayeredCandidate] = []
    public var selected = 0
    public var view: LayerView = .composite
    /// Layers shown in the composite view (toggled with f and b).
    public var showForeground = true, showBackground = true
    /// The running generation's step of its total, over all seeds.
    public struct Progress: Equatable, Sendable {
        public var step: Int, total: Int
        public init(step: Int, total: Int) { self.step = step; self.total = total }
    }
    public var progress: Progress?
    public var seeds: [UInt64]

    public init(prompt: String, seeds: [UInt64]) {
        self.prompt = LineEditor(prompt)
        self.seeds = seeds
    }

    public var isRunning: Bool { progress != nil }

    /// The layer a save writes: the view's, or in the composite view the one layer left on.
    public var shownLayer: LayerView {
        guard view == .composite else { return view }
        switch (showForeground, showBackground) {
        case (true, false): return .foreground
        case (false, true): return .background
        default: return .composite
        }
    }

    /// What the candidates show now: a layer, or in the composite view the layers toggled on.
    public func picture(_ c: LayeredCandidate) -> Picture? {
        switch view {
        case .composite:
            switch (showForeground, showBackground) {
            case (true, true): return c.composite
            case (true, false): return c.foreground
            case (false, true): return c.background
            case (false, false): return nil
            }
        case .foreground: return c.foreground
        case .background: return c.background
        case .mask: return c.composite
        }
    }
}

extension EditorState {
    /// Opens the new-image mode with the caption as its prompt and the edit's seeds (at most 4).
    mutating func openNewImage() -> [EditorEffect] {
        let caption = fields[2].text.trimmingCharacters(in: .whitespaces)
        newImage = NewImageState(prompt: caption.isEmpty ? subject + " " + background : caption,
                                 seeds: Array(settings.edit.seeds.prefix(4)))
        message = "new image: type a prompt, Enter generates its layers"
        return []
    }

    mutating func newImageKey(_ k: Key) -> [EditorEffect] {
        guard var n = newImage else { return [] }
        defer { if newImage != nil { newImage = n } }
        if n.typing {
            switch k {
            case .escape:
                if n.candidates.isEmpty { return closeNewImage(n) }
                n.typing = false
            case .enter:
                let prompt = n.prompt.text.trimmingCharacters(in: .whitespaces)
                guard !prompt.isEmpty else { message = "type a prompt first"; return [] }
                n.typing = false
                n.progress = .init(step: 0, total: 1)
                message = "generating layers for \"\(prompt)\" (\(n.seeds.count) seed\(n.seeds.count == 1 ? "" : "s"))"
                return [.generateLayers(prompt: prompt, seeds: n.seeds)]
            default: Self.edit(&n.prompt, k)
            }
            return []
        }
        switch k {
        case .escape:
            if n.isRunning { message = "cancelling…"; return [.cancelLayers] }
            return closeNewImage(n)
        case .left: n.selected = max(0, n.selected - 1)
        case .right: n.selected = min(max(0, n.candidates.count - 1), n.selected + 1)
        case .char("1"): n.view = .composite
        case .char("2"): n.view = .foreground
        case .char("3"): n.view = .background
        case .char("4"), .char("m"): n.view = n.view == .mask ? .composite : .mask
        case .char("f"): n.view = .composite; n.showForeground.toggle()
        case .char("b"): n.view = .composite; n.showBackground.toggle()
        case .char("p"), .char("/"): n.typing = true
        case .char("r"), .ctrl("r"):
            guard !n.isRunning else { return [] }
            n.progress = .init(step: 0, total: 1)
            message = "generating layers again"
            return [.generateLayers(prompt: n.prompt.text, seeds: n.seeds)]
        case .char("s"):
            guard n.selected < n.candidates.count else { return [] }
            return [.saveLayer(n.candidates[n.selected], n.shownLayer)]
        case .enter, .char("e"):
            guard n.selected < n.candidates.count else { message = "nothing generated yet"; return [] }
            let candidate = n.candidates[n.selected]
            newImage = nil
            return openCandidate(candidate, prompt: n.prompt.text)
        default: break
        }
        return []
    }

    mutating func closeNewImage(_ n: NewImageState) -> [EditorEffect] {
        newImage = nil
        message = ""
        return n.isRunning ? [.cancelLayers] : []
    }

    /// The candidate becomes the session's source: its composite, its mask as the
    /// subject mask, the prompt split into subject and background; every stage is stale
    /// and the live preview starts after the debounce.
    mutating func openCandidate(_ c: LayeredCandidate, prompt: String) -> [EditorEffect] {
        source = c.composite
        mask = MaskCanvas(side: c.side, pixels: c.subjectMask)
        placement = Placement()
        fields[2] = LineEditor(prompt)
        if let (a, b) = captionSplit(prompt) {
            fields[0] = LineEditor(a); fields[1] = LineEditor(b)
            message = "opened seed \(c.seed)'s layers: subject \"\(a)\", background \"\(b)\"; say what the subject should do"
        } else {
            message = "opened seed \(c.seed)'s layers; the prompt does not split: fill in the subject and background texts"
        }
        results = []; selected = 0
        reference = nil; givenReference = nil
        cursor = (c.side / 2, c.side / 2)
        changed(from: .reference)
        return [.sourceReplaced, .autosave]
    }

    /// A finished generation's candidates, or its failure.
    mutating func layered(_ outcome: Result<[LayeredCandidate], LayersFailure>) {
        guard var n = newImage else { return }
        n.progress = nil
        switch outcome {
        case .success(let candidates):
            n.candidates = candidates
            n.selected = min(n.selected, max(0, candidates.count - 1))
            message = "←/→ choose · 1–4 layers · f/b toggle · s save layer · Enter edit this one · p prompt"
        case .failure(let f):
            message = f.text
        }
        newImage = n
    }
}

/// Why a layered generation ended without candidates.
public struct LayersFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var text: String
    public init(_ text: String) { self.text = text }
    public var description: String { text }
}
