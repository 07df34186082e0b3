import ArgumentParser
import Foundation
import StrataEdit
import StrataModels
import StrataSprites
import StrataTensor

extension Ablation: ExpressibleByArgument {}
extension FineTuneMode: ExpressibleByArgument {}
extension EditMethod: ExpressibleByArgument {}

struct Edit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Edit an image with LayerDiffusion: keep the subject, change what it does and where it is.")

    @Argument(help: "Source image (PNG, any size: scaled and centre-cropped to the model's resolution).") var image: String
    @Option(help: "Subject mask (PNG, grey above 0.5 is subject); suggested from the model when left out.") var mask: String?
    @Option(help: "What the subject should do or become, e.g. \"a dog jumping\".") var subject: String
    @Option(help: "Where it should be, e.g. \"in a forest\".") var background: String
    @Option(help: "A reference image whose background the result should follow.") var reference: String?
    @Option(help: "Where the subject should stand (PNG mask).") var placementMask: String?
    @Option(help: "Move the subject by DX,DY pixels.") var move: String?
    @Option(help: "Scale the subject by S.") var scale: Double = 1
    @Option(help: "Weight of the subject embedding in the mix.") var alpha: Double?
    @Option(help: "Weight of the subject loss (default: 3 for a subject mask under 5% of the image, else 2).") var lambda1: Double?
    @Option(help: "Weight of the background loss.") var lambda2: Double?
    @Option(help: "Embedding optimisation steps.") var embeddingSteps: Int?
    @Option(help: "Embedding optimisation learning rate.") var embeddingLr: Double?
    @Option(help: "Rate of a second subject embedding that e_opt mixes in place of the first (0: off, the paper's method).") var mixEmbeddingLr: Double?
    @Option(help: "Fine-tuning steps.") var finetuneSteps: Int?
    @Option(help: "Fine-tuning learning rate.") var finetuneLr: Double?
    @Option(help: "Fine-tuning mode: full, attention or lora.") var finetuneMode: FineTuneMode?
    @Option(help: "LoRA rank.") var loraRank: Int?
    @Option(help: "Cap of the fine-tuning's weighting of the subject loss by noise level, min(1/ᾱ_t, cap) (1: the paper's plain loss).") var objectNoiseWeight: Double?
    @Option(help: "The same weighting's cap for the background loss.") var backgroundNoiseWeight: Double?
    @Option(help: "Sampling steps.") var steps: Int?
    @Option(help: "Classifier-free guidance scale.") var cfg: Double?
    @Option(help: "Share of the sampling steps, noisiest first, run without guidance (0: every step guided).") var guidanceStart: Double?
    @Option(help: "Sampler.") var scheduler: String?
    @Option(help: "Sampling seeds, comma-separated: one result each.") var seeds: String?
    @Option(help: "Seed of the generated reference background.") var referenceSeed: UInt64?
    @Option(help: "Identity guidance: how far (0 to 2) guidance's unconditional prediction, where the subject will stand, moves to the model's before fine-tuning, so that guidance amplifies the subject's look (0: the paper; ours).") var identityGuidance: Double?
    @Option(help: "How far (0 to 1) each result's subject is moved to the source subject's colours after sampling (0: as sampled, the paper; ours). Undoes a colour the texts ask for.") var colourMatch: Double?
    @Option(help: "Switch off one part of the method (the paper's Table 1).") var ablate: Ablation?
    @Option(help: "layerdiffusion, or a baseline in the same engine: txt2img, sdedit, imagic.") var method: EditMethod = .layerdiffusion
    @Option(help: "quick (a tenth of the training steps, 20 sampling steps, two seeds: the live preview's) or full; options given override it.") var preset: EditPreset = .full
    @Option(help: "Model folder (default: the built-in model).") var model: String?
    @Option(help: "Stage cache folder (default: ~/.cache/strata).") var cache: String?
    @Option(help: "Output folder.") var out: String?
    @Option(help: "Also keep the edit as a session folder (NAME.strata: inputs, settings, results) that `strata open` reopens; results go to its results/ unless --out is given.") var session: String?
    @OptionGroup var engine: ThreadOptions
    @OptionGroup var output: OutputOptions

    /// What `--json` prints.
    struct Summary: Codable {
        let out: String
        let files: [String]
        let stageSeconds: [String: Double]
        /// Per stage, its last (L_obj, L_bg) or stage 1's two terms.
        let finalLosses: [String: [Float]]
        /// Stages taken from the stage cache.
        let reused: [String]
        enum CodingKeys: String, CodingKey {
            case out, files, reused
            case stageSeconds = "stage_seconds", finalLosses = "final_losses"
        }
    }

    @Option(name: .customLong("set"), help: ArgumentHelp("Any edit setting by its key (repeatable), e.g. --set alpha=0.6; `strata settings` lists them.", valueName: "key=value"))
    var assignments: [String] = []

    /// The named options under their settings' keys: each is read and checked by the
    /// settings schema, like `--set`, a settings file or a session.
    var named: [(key: String, text: String?)] {
        [("alpha", alpha.map { "\($0)" }), ("lambda1", lambda1.map { "\($0)" }), ("lambda2", lambda2.map { "\($0)" }),
         ("embedding_steps", embeddingSteps.map { "\($0)" }), ("embedding_lr", embeddingLr.map { "\($0)" }),
         ("mix_embedding_lr", mixEmbeddingLr.map { "\($0)" }), ("finetune_steps", finetuneSteps.map { "\($0)" }),
         ("finetune_lr", finetuneLr.map { "\($0)" }), ("finetune_mode", finetuneMode?.rawValue), ("lora_rank", loraRank.map { "\($0)" }),
         ("object_noise_weight", objectNoiseWeight.map { "\($0)" }), ("background_noise_weight", backgroundNoiseWeight.map { "\($0)" }),
         ("sampling_steps", steps.map { "\($0)" }), ("guidance_scale", cfg.map { "\($0)" }), ("guidance_start", guidanceStart.map { "\($0)" }),
         ("scheduler", scheduler), ("seeds", seeds), ("reference_seed", referenceSeed.map { "\($0)" }),
         ("identity_guidance", identityGuidance.map { "\($0)" }), ("colour_match", colourMatch.map { "\($0)" }),
         ("ablation", ablate?.rawValue ?? "none")]
    }

    func settings(defaults: EditSettings) throws -> EditSettings {
        var s = defaults
        for (key, text) in named {
            guard let text else { continue }
            do { try s.set(key, text: text) } catch { throw fail("--\(EditOptionNames.option(key)): \(error)") }
        }
        for assignment in assignments {
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw fail("--set takes key=value, got \"\(assignment)\"") }
            do { try s.set(parts[0].trimmingCharacters(in: .whitespaces), text: parts[1]) } catch { throw fail("--set \(assignment): \(error)") }
        }
        return s
    }

    func run() throws {
        engine.apply()
        let log = output.makeLog()
        guard out != nil || session != nil else { throw fail("give --out DIR or --session NAME.strata for the results") }
        if let session, !session.hasSuffix(".strata") { throw fail("--session must name a folder ending in .strata, got \"\(session)\"") }
        let outFolder = URL(fileURLWithPath: out ?? (session! + "/" + EditSession.resultsFolder))
        // A session's results folder is Strata's own: swapped whole, whatever it holds.
        let outputsMarker = out == nil ? nil : EditOutputs.marker
        guard !subject.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("--subject is empty") }
        guard !background.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("--background is empty") }
        guard FileManager.default.fileExists(atPath: image) else { throw fail("\(image): no such file") }
        let (sd, folder) = try loadModel(model)
        let s = try settings(defaults: try editDefaults(folder: folder, preset: preset))
        let side = sd.vae.config.sampleSize
        func load(_ path: String, what: String) throws -> Tensor {
            do {
                let (t, resized) = try ImageFiles.load(path, side: side)
                if resized { log.line("\(what) \(path) was scaled and centre-cropped to \(side)×\(side)") }
                return t
            } catch { throw failure(error) }
        }
        func loadMask(_ path: String, what: String) throws -> Tensor {
            do {
                let (m, resized) = try ImageFiles.loadMask(path, side: side)
                if resized { log.line("\(what) \(path) was scaled to \(side)×\(side)") }
                return m
            } catch { throw failure(error) }
        }
        let source = try load(image, what: "image")
        let editModel = try EditModel(sd)
        if model == nil, let warning = spriteWorldWarning(subject: subject, background: background) { log.line("warning: " + warning) }
        let subjectMask: Tensor
        if let mask { subjectMask = try loadMask(mask, what: "mask") } else {
            subjectMask = MaskSuggestion.diffEdit(model: editModel, image: source, subject: subject, background: background)
            log.line("no --mask given: using a mask suggested from the model (\(String(format: "%.0f", MaskOps.coverage(subjectMask) * 100))% of the image)")
        }
        var inputs = EditInputs(source: source, subjectMask: subjectMask, subjectText: subject, backgroundText: background)
        if let reference { inputs.reference = try load(reference, what: "reference"); inputs.referenceMask = Tensor(zeros: subjectMask.shape) }
        if let placementMask { inputs.placementMask = try loadMask(placementMask, what: "placement mask") }
        if let move {
            let parts = move.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2 else { throw fail("--move must be DX,DY in pixels, got \"\(move)\"") }
            inputs.placement.dx = parts[0]; inputs.placement.dy = parts[1]
        }
        guard scale > 0 else { throw fail("--scale must be positive") }
        inputs.placement.scale = scale
        do { try inputs.validate() } catch { throw failure(error) }

        let hash = modelHash(folder)
        let cacheFolder = cache.map { URL(fileURLWithPath: $0) }
            ?? UserFolders.stageCache
        let edit = LayerDiffusionEdit(model: editModel, modelHash: hash, cache: StageCache(folder: cacheFolder))
        edit.checkpointOnCancelAfter = 0
        var stageStart = Date(), current: EditStage?
        var result: EditResult
        // Ctrl-C or SIGTERM stops the job after its current step; stages 1 and 2 save
        // their state first, so the same command goes on from there.
        StopRequest.install(message: "stopping after this step …")
        do {
            let handler: ProgressHandler = { p in
                if p.stage != current {
                    current = p.stage; stageStart = Date()
                    if p.resumed {
                        log.line("\(p.stage.rawValue): going on from step \(p.step) of \(p.total), saved by a stopped run")
                    }
                }
                let elapsed = Date().timeIntervalSince(stageStart)
                var losses = ""
                if let o = p.objectLoss, let b = p.backgroundLoss { losses = String(format: "  L_obj %.4f  L_bg %.4f", o, b) }
                log.progress(p.stage.rawValue, p.step, p.total, losses.trimmingCharacters(in: .whitespaces))
                if p.step == p.total { log.line(String(format: "%@ done (%d steps, %.1f s)%@", p.stage.rawValue, p.total, elapsed, losses)) }
                return !StopRequest.isRequested
            }
            if method == .layerdiffusion {
                log.line(EditTimeEstimate.statement(edit, inputs, runs: [s]))
                result = try edit.run(inputs, settings: s, progress: handler)
            } else {
                result = try Baselines(model: editModel).result(method, inputs: inputs, settings: s, progress: handler)
            }
        } catch EditError.cancelled(let stage) {
            log.clearProgress()
            let kept = stage == .optimise || stage == .finetune ? "its state is kept in the stage cache (\(cacheFolder.path))"
                : stage == .sample ? "the seeds it finished are kept in the stage cache (\(cacheFolder.path))"
                : "the stages before it are kept in the stage cache (\(cacheFolder.path))"
            log.line("stopped during \(stage.rawValue): \(kept); the same command goes on from there")
            throw ExitStatus.interrupted
        } catch { log.clearProgress(); throw failure(error) }
        log.clearProgress()
        if s.colourMatch > 0 {
            log.line(String(format: "each result's subject colour-matched to the source's (colour_match %.2f)", s.colourMatch))
        }
        let sourceHash = (try? SHA256.hexDigest(ofFile: image)) ?? ""
        let record = EditRecord(version: StrataVersion.string, subjectText: subject, backgroundText: background,
                                sourceSHA256: sourceHash, maskSHA256: mask.flatMap { try? SHA256.hexDigest(ofFile: $0) } ?? "suggested",
                                referenceSHA256: reference.flatMap { try? SHA256.hexDigest(ofFile: $0) },
                                modelName: folder.lastPathComponent, modelHash: hash, settings: s, placement: inputs.placement,
                                stageSeconds: Dictionary(uniqueKeysWithValues: result.stageSeconds.map { ($0.key.rawValue, $0.value) }),
                                finalLosses: Dictionary(uniqueKeysWithValues: result.finalLosses.map { ($0.key.rawValue, [$0.value.0, $0.value.1]) }),
                                results: [])
        let written = try EditOutputs.write(result, record: record, to: outFolder, ownedBy: outputsMarker) { images in
            MaskSuggestion.diffEdit(model: editModel, images: images, subject: subject, background: background)
        }
        log.line("wrote \(written.count) files to \(outFolder.path)")
        if let session {
            var record = EditSession(subjectText: subject, backgroundText: background, settings: s)
            record.preset = preset; record.method = method; record.placement = inputs.placement; record.model = model
            let folderURL = URL(fileURLWithPath: session)
            let resultsPath = outFolder.standardizedFileURL.path, sessionPath = folderURL.standardizedFileURL.path + "/"
            record.results = written.filter { $0.hasPrefix("result-") && $0.hasSuffix(".png") && !$0.contains(".mask") && !$0.contains(".subject") }
                .map { resultsPath.hasPrefix(sessionPath) ? String(resultsPath.dropFirst(sessionPath.count)) + "/" + $0 : resultsPath + "/" + $0 }
            do { try record.save(to: folderURL, inputs: inputs) } catch { throw failure(error, session) }
            log.line("saved the session \(session)")
        }
        if output.json {
            try printJSON(Summary(out: outFolder.path, files: written, stageSeconds: record.stageSeconds,
                                  finalLosses: record.finalLosses, reused: result.reused.map(\.rawValue).sorted()))
        }
    }
}

/// The named option of `strata edit` for each setting key whose option is not the key itself.
enum EditOptionNames {
    static let renamed = ["sampling_steps": "steps", "guidance_scale": "cfg", "ablation": "ablate"]
    static func option(_ key: String) -> String { renamed[key] ?? key.replacingOccurrences(of: "_", with: "-") }
}
