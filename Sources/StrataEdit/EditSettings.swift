// Every setting of an edit, under the one set of names the command line, the PNG
// infotext, the JSON sidecar and the session file share. Defaults follow
// docs/method.md (the paper's values for Stable Diffusion 1.x).
import Foundation
import StrataModels

public enum FineTuneMode: String, Codable, CaseIterable, Sendable {
    /// Every UNet weight (the paper).
    case full
    /// The attention layers' weights only.
    case attention
    /// Low-rank adapters on the attention projections; the UNet's weights stay as they are.
    case lora
}

public enum Ablation: String, Codable, CaseIterable, Sendable {
    case noObjLoss = "no-obj-loss", noBgLoss = "no-bg-loss", noStage1 = "no-stage1", noStage2 = "no-stage2"
    case noIterativeGuidance = "no-iterative-guidance", alpha1, alpha0
}

public struct EditSettings: Codable, Equatable, Sendable {
    public var alpha: Double = 0.7
    /// Weight of L_obj; nil (the default) takes the method note's value for the subject's
    /// size: `lambda1SmallSubject` when the subject mask covers less than
    /// `smallSubjectShare` of the image, else `lambda1Default`.
    public var lambda1: Double?
    public var lambda2: Double = 1
    public var embeddingSteps = 500
    public var embeddingLR: Double = 1e-3
    /// When above 0, stage 1 also optimises a second subject embedding at this rate, from
    /// the same draws, and e_opt mixes it in place of ê_a; iterative guidance's steps on
    /// ê_a keep the one optimised at `embeddingLR`. Off (0) is the paper. Ours: a subject
    /// embedding optimised hard carries the subject's look, and its pose with it, which
    /// the steps on ê_a must not ask for.
    public var mixEmbeddingLR: Double = 0
    public var finetuneSteps = 250
    public var finetuneLR: Double = 2e-6
    public var finetuneMode: FineTuneMode = .full
    /// Cap of stage 2's noise weighting of L_obj (LayeredFineTuning.objectNoiseWeight);
    /// 1 is the paper's loss. Ours, not the paper's.
    public var objectNoiseWeight: Double = 1
    /// The same for L_bg.
    public var backgroundNoiseWeight: Double = 1
    public var loraRank = 4
    public var samplingSteps = 50
    public var guidanceScale: Double = 7.5
    /// The share of the sampling steps, noisiest first, that run without guidance
    /// (GuidedSampler); 0 guides every step, as the paper does. Ours, not the paper's.
    public var guidanceStart: Double = 0
    /// How far the unconditional prediction, inside the placement mask, moves to the UNet's
    /// before fine-tuning (IterativeGuidance); 0 is the paper. Ours, not the paper's.
    public var identityGuidance: Double = 0
    public var scheduler: SchedulerKind = .ddim
    /// How far (0...1) each result's subject is moved to the source subject's colours after
    /// sampling (ColourMatch); 0, the paper, leaves results as sampled. Ours, not the paper's.
    public var colourMatch: Double = 0
    public var seeds: [UInt64] = [1, 2, 3, 4]
    public var referenceSeed: UInt64 = 0
    /// Seeds the training noise of stages 1 and 2.
    public var trainingSeed: UInt64 = 0
    public var ablation: Ablation?
    /// SDEdit's noise strength (the baseline; Baselines).
    public var sdeditStrength = 0.6
    /// SDEdit's classifier-free guidance scale (diffusers' img2img default).
    public var sdeditGuidanceScale = 7.5
    /// Imagic's share of Enc(T) in the embedding it samples from (the baseline; Baselines).
    public var imagicTextShare = 0.7
    /// Imagic's embedding optimisation steps and fine-tuning rate; its other training
    /// settings are LayerDiffusion's (embedding_lr, finetune_steps, finetune_mode).
    public var imagicEmbeddingSteps = 500
    public var imagicFinetuneLR: Double = 2e-6

    public init() {}

    public static let lambda1Default = 2.0, lambda1SmallSubject = 3.0
    /// Sprite-world subjects: small ones cover 1.9–5.4% of the image, medium ones 4.6–13%
    /// (150 scenes).
    public static let smallSubjectShare = 0.05

    /// λ1 for a subject mask covering `subjectCoverage` of the image.
    public func lambda1(subjectCoverage: Double) -> Double {
        lambda1 ?? (subjectCoverage < Self.smallSubjectShare ? Self.lambda1SmallSubject : Self.lambda1Default)
    }

    struct Key: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// Keys left out keep their defaults, so a model folder's `strata_edit.json` names
    /// only what it changes; an unknown key, a value of the wrong type or out of its
    /// range (EditSettingsSchema) is an error naming the setting.
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: Key.self)
        for key in c.allKeys {
            guard let setting = EditSettingsSchema[key.stringValue] else {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "unknown setting \"\(key.stringValue)\"")
            }
            let value: SettingValue
            if try c.decodeNil(forKey: key) {
                value = .unset
            } else {
                switch setting.kind {
                case .number: value = .number(try c.decode(Double.self, forKey: key))
                case .integer: value = .integer(try c.decode(Int.self, forKey: key))
                case .unsigned: value = .unsigned(try c.decode(UInt64.self, forKey: key))
                case .choice: value = .choice(try c.decode(String.self, forKey: key))
                case .seeds: value = .seeds(try c.decode([UInt64].self, forKey: key))
                }
            }
            do { try setting.set(&self, value) } catch {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "\(error)")
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for setting in EditSettingsSchema.all {
            let key = Key(stringValue: setting.key)
            switch setting.value(self) {
            case .number(let x): try c.encode(x, forKey: key)
            case .integer(let x): try c.encode(x, forKey: key)
            case .unsigned(let x): try c.encode(x, forKey: key)
            case .choice(let x): try c.encode(x, forKey: key)
            case .seeds(let x): try c.encode(x, forKey: key)
            case .unset: break
            }
        }
    }

    /// Sets `key` from typed text ("alpha", "0.6"), as `--set key=value` gives it.
    public mutating func set(_ key: String, text: String) throws {
        guard let setting = EditSettingsSchema[key] else {
            throw EditError.input("unknown setting \"\(key)\" (the settings are \(EditSettingsSchema.all.map(\.key).joined(separator: ", ")))")
        }
        try setting.set(&self, setting.parse(text))
    }

    /// The settings an ablation actually runs with.
    public var effective: EditSettings {
        var s = self
        switch ablation {
        case .noObjLoss: s.lambda1 = 0
        case .noBgLoss: s.lambda2 = 0
        case .noStage1: s.embeddingSteps = 0
        case .noStage2: s.finetuneSteps = 0
        case .alpha1: s.alpha = 1
        case .alpha0: s.alpha = 0
        case .noIterativeGuidance, nil: break
        }
        return s
    }
}

extension EditSettings {
    /// The file in a model folder that holds that model's own edit defaults.
    public static let modelFileName = "strata_edit.json"

    /// A model folder's own defaults (`strata_edit.json`, chosen by measurement for that
    /// model) over the method note's; the note's alone when the folder has none.
    public static func forModel(folder: URL) throws -> EditSettings {
        let file = folder.appendingPathComponent(modelFileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return EditSettings() }
        return try overriding(EditSettings(), with: file)
    }

    /// `base` with the settings a JSON file names (a partial file changes only those);
    /// a name that is not a setting is an error, so a misspelt one is not ignored.
    public static func overriding(_ base: EditSettings, with file: URL) throws -> EditSettings {
        do {
            guard let overlay = try JSONValue(data: Data(contentsOf: file)).objectValue else {
                throw EditError.input("not a JSON object")
            }
            if let unknown = overlay.keys.sorted().first(where: { EditSettingsSchema[$0] == nil }) {
                throw EditError.input("unknown setting \"\(unknown)\"")
            }
            guard var merged = try JSONValue(encoding: base).objectValue else { throw EditError.input("settings are not a JSON object") }
            merged.merge(overlay) { $1 }
            return try JSONValue.object(merged).decode(as: EditSettings.self)
        } catch {
            throw EditError.input("\(file.path): not valid edit settings (\(error))")
        }
    }
}
