// Everything the editor shows and remembers, as one value: the update function changes
// it in answer to messages, the view draws it. Nothing here touches the terminal or the
// engine.
import StrataEdit

public enum Pane: Int, CaseIterable, Sendable { case source, reference, results, prompts, parameters }

public enum Key: Equatable, Sendable {
    case char(Character), ctrl(Character), function(Int)
    case up, down, left, right, wordLeft, wordRight, home, end, pageUp, pageDown
    case enter, tab, backTab, backspace, delete, escape
    case paste(String)
}

/// `secondary` is the right button: a flood fill from the point clicked.
public enum MouseKind: Sendable { case press, release, drag, wheelUp, wheelDown, secondary }

public enum EditorMsg: Sendable {
    case key(Key)
    case mouse(MouseKind, x: Int, y: Int)
    case resize(width: Int, height: Int)
    /// The clock, in seconds; drives the debounce.
    case tick(Double)
    case progress(StageProgress, at: Double)
    /// A finished run: one picture per seed (per sweep value), the reference, losses.
    case finished(RunOutcome)
    case failed(String)
    case suggested([UInt8])
    case info(String)
    /// The running layered generation's progress over all its seeds.
    case layersProgress(step: Int, total: Int)
    case layered(Result<[LayeredCandidate], LayersFailure>)
}

/// What a finished job hands back.
public struct RunOutcome: Sendable {
    public var results: [ResultSlot]
    public var reference: Picture?
    public var seconds: Double
    public var reused: [EditStage]
    public init(results: [ResultSlot], reference: Picture?, seconds: Double, reused: [EditStage]) {
        self.results = results; self.reference = reference; self.seconds = seconds; self.reused = reused
    }
}

public struct ResultSlot: Equatable, Sendable {
    public var seed: UInt64
    public var picture: Picture
    /// The swept parameter's value this result was made with, when sweeping.
    public var sweepValue: String?
    public init(seed: UInt64, picture: Picture, sweepValue: String? = nil) { self.seed = seed; self.picture = picture; self.sweepValue = sweepValue }
}

/// What the update asks the runtime to do.
public enum EditorEffect: Equatable, Sendable {
    case run(JobRequest)
    case cancel
    case suggestMask
    case autosave
    case saveResults(all: Bool)
    case quit
    /// New-image mode: generate layers from a prompt, one candidate per seed.
    case generateLayers(prompt: String, seeds: [UInt64])
    case cancelLayers
    case saveLayer(LayeredCandidate, LayerView)
    /// The source picture was replaced (a generated image opened): inputs are saved anew.
    case sourceReplaced
}

/// One job: the inputs and settings as they are now, and a sweep if one is set.
public struct JobRequest: Equatable, Sendable {
    public var settings: EditorSettings
    public var subject: String, background: String
    public var mask: [UInt8]
    public var placement: Placement
    public var sweep: Sweep?
}

public struct Sweep: Equatable, Sendable {
    public var parameter: EditorParameter
    public var values: [String]
}

public enum JobStatus: Equatable, Sendable {
    case idle
    case running(stage: EditStage, step: Int, total: Int, started: Double, stageStarted: Double)
    case failed(String)
}

public enum CompareMode: Equatable, Sendable { case flip(showResult: Bool), wipe(column: Double) }

public struct EditorState {
    public var width: Int, height: Int
    public var themes: [Theme]
    public var themeIndex = 0
    public var theme: Theme { themes[themeIndex] }

    public var focus: Pane = .source
    public var zoomed: Pane?
    public var compare: CompareMode?
    public var showHelp = false
    public var confirmQuit = false
    /// The new-image mode, when open (Ctrl-N).
    public var newImage: NewImageState?

    // Inputs.
    public var title: String
    public var source: Picture
    public var mask: MaskCanvas
    public var showMask = true
    public var cursor = (x: 0, y: 0)
    public var brush = 2
    public var placing = false
    public var placement = Placement()
    public var dragging: (x: Int, y: Int)?
    public var paintValue: UInt8 = 1

    // Texts: subject, background, whole caption.
    public var fields = [LineEditor(), LineEditor(), LineEditor()]
    public var field = 0
    public var captionSplit: @Sendable (String) -> (String, String)?
    /// A warning for texts the model does not know (set for the built-in model).
    public var textWarning: (@Sendable (String, String) -> String?)?

    // Parameters.
    public var settings: EditorSettings
    public var parameter = 0
    public var typing: LineEditor?
    public var sweep: Sweep?
    public var sweepEditor: LineEditor?

    // Results.
    public var reference: Picture?
    public var givenReference: Picture?
    public var results: [ResultSlot] = []
    public var selected = 0

    // Running.
    public var job: JobStatus = .idle
    public var stale: Set<EditStage> = Set(EditStage.allCases)
    /// What was stale when the running job started, stale again if it fails or is cancelled.
    public var staleBeforeRun: Set<EditStage> = []
    public var lastChange: Double?
    public var live = true
    public static let debounce = 0.6
    public var now = 0.0
    public var embeddingLosses: [Float] = [], objectLosses: [Float] = [], backgroundLosses: [Float] = []
    /// The step the running stage went on from when it resumed a stopped run's state, else 0.
    public var stageFirstStep = 0
    public var message = ""
    public var unsaved = false

    public init(width: Int, height: Int, themes: [Theme], title: String, source: Picture, mask: MaskCanvas, settings: EditorSettings,
                subject: String, background: String, captionSplit: @escaping @Sendable (String) -> (String, String)?) {
        self.width = width; self.height = height
        self.themes = themes.isEmpty ? [Theme(name: "dark")] : themes
        self.title = title; self.source = source; self.mask = mask; self.settings = settings
        fields = [LineEditor(subject), LineEditor(background), LineEditor(subject + " " + background)]
        self.captionSplit = captionSplit
        cursor = (source.side / 2, source.side / 2)
        // A fresh editor starts its live preview as soon as it opens.
        lastChange = -Self.debounce
    }

    public var subject: String { fields[0].text }
    public var background: String { fields[1].text }
    public var isRunning: Bool { if case .running = job { return true } else { return false } }
    public var tooSmall: Bool { width < 80 || height < 24 }

    /// The job the current state asks for, in `preset`.
    public func request(preset: EditPreset) -> JobRequest {
        var s = settings
        s.preset = preset
        return JobRequest(settings: s, subject: subject, background: background, mask: mask.pixels, placement: placement, sweep: sweep)
    }
}

extension EditorState {
    /// Seconds left in the running stage, from the steps it has run since it started.
    public var stageSecondsLeft: Double {
        guard case let .running(_, step, total, _, stageStarted) = job else { return 0 }
        return StageProgress.secondsLeft(step: step, total: total, firstStep: stageFirstStep, elapsed: now - stageStarted)
    }
}
