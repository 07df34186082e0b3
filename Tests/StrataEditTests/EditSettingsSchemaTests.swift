import Foundation
import XCTest
@testable import StrataEdit

/// The settings table: every EditSettings field appears once, every source is checked
/// against it, and the docs list it as it is.
final class EditSettingsSchemaTests: XCTestCase {
    /// Every key of the encoded settings (with λ1 and the ablation set, which encode only
    /// when set) has one entry, and every entry one key.
    func testEveryStoredSettingHasOneEntry() throws {
        var s = EditSettings()
        s.lambda1 = 2; s.ablation = .alpha0
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(s)) as! [String: Any]
        XCTAssertEqual(Set(json.keys), Set(EditSettingsSchema.all.map(\.key)))
        XCTAssertEqual(EditSettingsSchema.all.count, EditSettingsSchema.byKey.count)
    }

    /// Each setting's default is EditSettings()'s value, and a typed value of each reads
    /// back through parse and display.
    func testValuesRoundTripThroughTextAndJSON() throws {
        let samples = ["alpha": "0.35", "lambda1": "auto", "lambda2": "2.5", "object_noise_weight": "16", "background_noise_weight": "2",
                       "embedding_steps": "120", "embedding_lr": "0.002", "mix_embedding_lr": "off", "finetune_steps": "75",
                       "finetune_lr": "4e-05", "finetune_mode": "lora", "lora_rank": "8", "sampling_steps": "20", "guidance_scale": "4",
                       "guidance_start": "0.25", "identity_guidance": "1", "scheduler": "euler_a", "seeds": "5,6", "colour_match": "0.5",
                       "reference_seed": "9", "training_seed": "3", "ablation": "no-stage2",
                       "sdedit_strength": "0.75", "sdedit_guidance_scale": "6", "imagic_text_share": "0.6",
                       "imagic_embedding_steps": "100", "imagic_finetune_lr": "1e-05"]
        XCTAssertEqual(Set(samples.keys), Set(EditSettingsSchema.all.map(\.key)))
        var s = EditSettings()
        for (key, text) in samples { try s.set(key, text: text) }
        XCTAssertEqual(s.alpha, 0.35); XCTAssertNil(s.lambda1); XCTAssertEqual(s.finetuneMode, .lora); XCTAssertEqual(s.seeds, [5, 6])
        XCTAssertEqual(s.ablation, .noStage2); XCTAssertEqual(s.referenceSeed, 9); XCTAssertEqual(s.mixEmbeddingLR, 0)
        XCTAssertEqual(try JSONDecoder().decode(EditSettings.self, from: JSONEncoder().encode(s)), s)
        // What the editor shows reads back as the same value (numbers to the digits shown).
        for e in EditSettingsSchema.all {
            let back = try e.parse(e.display(s))
            if case .number(let x) = back, case .number(let y) = e.value(s) {
                XCTAssertEqual(x, y, accuracy: abs(y) * 0.05, e.key)
            } else {
                XCTAssertEqual(back, e.value(s), e.key)
            }
        }
    }

    /// Out of range, wrong type and unknown keys are refused from every source with the
    /// setting's name: typed text, JSON (settings files, sessions, sidecars).
    func testBadValuesAreRefusedWhereverTheyComeFrom() {
        var s = EditSettings()
        for (key, text) in [("alpha", "1.5"), ("alpha", "nan"), ("sampling_steps", "0"), ("seeds", "1,x"), ("scheduler", "plms"),
                            ("lora_rank", "0"), ("guidance_start", "-0.1"), ("identity_guidance", "3"), ("ablation", "no-such")] {
            XCTAssertThrowsError(try s.set(key, text: text), "\(key)=\(text)") { XCTAssert("\($0)".contains(key), "\($0)") }
        }
        XCTAssertThrowsError(try s.set("alpah", text: "0.5")) { XCTAssert("\($0)".contains("unknown setting"), "\($0)") }
        XCTAssertEqual(s, EditSettings())
        for json in [#"{"alpha": 3}"#, #"{"sampling_steps": 0}"#, #"{"alpha": "high"}"#, #"{"alpah": 0.5}"#, #"{"seeds": []}"#] {
            XCTAssertThrowsError(try JSONDecoder().decode(EditSettings.self, from: Data(json.utf8)), json)
        }
    }

    /// The stage a change makes stale is the first one whose cache key holds the setting,
    /// and a changed value changes that stage's key text but not earlier stages'.
    func testCacheKeysFollowTheStagesOfEachSetting() throws {
        let base = EditSettings()
        for e in EditSettingsSchema.all where e.keyed {
            var changed = base
            e.stepped(&changed, 1)
            if changed == base { e.stepped(&changed, -1) }
            if changed == base, case .unsigned = e.kind { try e.set(&changed, .unsigned(7)) }
            XCTAssertNotEqual(changed, base, e.key)
            for stage in EditStage.allCases {
                let differs = EditSettingsSchema.keyText(for: stage, changed) != EditSettingsSchema.keyText(for: stage, base)
                XCTAssertEqual(differs, e.stages.contains(stage), "\(e.key) at \(stage)")
            }
        }
        XCTAssert(EditSettingsSchema.keyText(for: .sample, base).hasPrefix("settings v2"))
    }

    /// docs/edit.md holds the table `strata settings` prints.
    func testTheDocsListEverySettingWithItsDefault() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/edit.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        XCTAssert(text.contains(EditSettingsSchema.markdownTable), "docs/edit.md's settings table is not `strata settings`' output: run it and paste")
    }
}
