import Foundation
import StrataModels
import XCTest
@testable import StrataSprites

final class SceneTests: XCTestCase {
    static let renderer = try! SceneRenderer.shipped()

    func testCaptionsFollowTheDesignNote() {
        XCTAssertEqual(Caption(animal: .elephant, size: .medium, pose: .standing, background: .moon).text, "an elephant standing on the moon")
        XCTAssertEqual(Caption(animal: .elephant, size: .big, pose: .standing, background: .moon).text, "a big elephant standing on the moon")
        XCTAssertEqual(Caption(animal: .cow, size: .big, pose: .lying, background: .forest).text, "a big cow lying in a forest")
        XCTAssertEqual(Caption(animal: .dog, size: .small, pose: .jumping, background: .city).subjectText, "a small dog jumping")
        XCTAssertEqual(Caption(animal: .dog, size: .small, pose: .jumping, background: .city).backgroundText, "in a city at night")
        // Every caption splits at its place phrase and parses back to itself.
        for a in Animal.allCases { for z in SpriteSize.allCases { for p in Pose.allCases { for b in Background.allCases {
            let c = Caption(animal: a, size: z, pose: p, background: b)
            let split = Caption.split(c.text)
            XCTAssertEqual(split?.subject, c.subjectText)
            XCTAssertEqual(split?.background, c.backgroundText)
            XCTAssertEqual(Caption(parsing: c.text), c)
        } } } }
        XCTAssertNil(Caption(parsing: "a dog jumping in a forest of cheese"))
        XCTAssertNil(Caption(parsing: "an dog jumping in a forest"))
        XCTAssertNil(Caption(parsing: "a unicorn jumping in a forest"))
    }

    /// Captions that name the tint (training only): the tint after the size, the article
    /// following the word after it, and still split at the place phrase.
    func testTintedCaptionsNameTheTintAfterTheSize() {
        let cow = Caption(animal: .cow, size: .big, pose: .lying, background: .forest)
        XCTAssertEqual(cow.text(tint: .blue), "a big blue cow lying in a forest")
        XCTAssertEqual(cow.text(tint: nil), cow.text)
        let cat = Caption(animal: .cat, size: .medium, pose: .jumping, background: .moon)
        XCTAssertEqual(cat.text(tint: .orange), "an orange cat jumping on the moon")
        let elephant = Caption(animal: .elephant, size: .medium, pose: .standing, background: .snow)
        XCTAssertEqual(elephant.subjectText(tint: .pink), "a pink elephant standing")
        XCTAssertEqual(Caption.split(elephant.text(tint: .pink))?.subject, "a pink elephant standing")
        XCTAssertNil(Caption(parsing: elephant.text(tint: .pink)))
    }

    /// Rows and columns the mask covers.
    func maskBox(_ s: Scene) -> (top: Int, bottom: Int, left: Int, right: Int)? {
        var top = 64, bottom = -1, left = 64, right = -1
        for y in 0..<64 { for x in 0..<64 where s.mask[y * 64 + x] != 0 {
            top = min(top, y); bottom = max(bottom, y); left = min(left, x); right = max(right, x)
        } }
        return bottom < 0 ? nil : (top, bottom, left, right)
    }

    func testPlacementGroundLineAndLiftHoldForManyScenes() {
        for seed in UInt64(0)..<600 {
            let s = Self.renderer.render(seed: seed)
            let g = s.spec.groundLine
            XCTAssert((44...52).contains(g))
            guard let box = maskBox(s) else { return XCTFail("seed \(seed): empty mask") }
            XCTAssertEqual([box.left, box.top, box.right - box.left + 1, box.bottom - box.top + 1],
                           [s.spriteBox.x, s.spriteBox.y, s.spriteBox.width, s.spriteBox.height], "seed \(seed)")
            XCTAssertGreaterThanOrEqual(box.left, 1, "seed \(seed)"); XCTAssertLessThanOrEqual(box.right, 62, "seed \(seed)")
            XCTAssertGreaterThanOrEqual(box.top, 1, "seed \(seed)")
            let centre = Double(box.left + box.right) / 2
            XCTAssert(centre >= 14 && centre <= 50, "seed \(seed): centre \(centre)")
            switch s.spec.pose {
            case .standing, .lying:
                XCTAssertEqual(box.bottom, g, "seed \(seed): lowest subject row")
            case .jumping:
                let nominal = Int((12 * Double(s.spec.size.pixels) / 28).rounded())
                let lift = g - box.bottom
                XCTAssert(lift == nominal || (lift < nominal && box.top == 1), "seed \(seed): lift \(lift), nominal \(nominal), top \(box.top)")
            }
            if s.spec.pose == .standing {
                let longer = max(box.right - box.left, box.bottom - box.top) + 1
                XCTAssert((s.spec.size.pixels - 2)...s.spec.size.pixels ~= longer, "seed \(seed): longer side \(longer) for \(s.spec.size)")
            }
        }
    }

    func testLabelsAreSpreadEvenly() {
        var animals = [Int](repeating: 0, count: 12), tints = [Int](repeating: 0, count: 8)
        var poses = [Int](repeating: 0, count: 3), places = [Int](repeating: 0, count: 8), grounds = [Int](repeating: 0, count: 9)
        let n = 12_000
        for seed in UInt64(0)..<UInt64(n) {
            let s = SceneSpec(seed: seed)
            animals[s.animal.rawValue] += 1; tints[s.tint.rawValue] += 1; poses[s.pose.rawValue] += 1
            places[s.background.rawValue] += 1; grounds[s.groundLine - 44] += 1
        }
        // Each share within 5 standard deviations of uniform.
        for (name, counts) in [("animal", animals), ("tint", tints), ("pose", poses), ("background", places), ("ground", grounds)] {
            let p = 1 / Double(counts.count), sd = (Double(n) * p * (1 - p)).squareRoot()
            for c in counts { XCTAssertLessThan(abs(Double(c) - Double(n) * p), 5 * sd, "\(name): \(counts)") }
        }
    }

    func testTheSubjectCarriesItsTint() {
        // A blue and a red version of the same scene: subject pixels differ in the tint's
        // direction, background pixels not at all.
        var spec = SceneSpec(seed: 7)
        spec.tint = .blue
        let blue = Self.renderer.render(spec)
        spec.tint = .red
        let red = Self.renderer.render(spec)
        XCTAssertEqual(blue.mask, red.mask)
        var blueMinusRed = 0.0
        for i in 0..<(64 * 64) {
            let b = blue.rgb[i * 3 + 2], r = red.rgb[i * 3 + 2]
            if blue.mask[i] != 0 { blueMinusRed += Double(b) - Double(r) }
            else if !Self.nearSubject(blue, i) {
                XCTAssertEqual(b, r, "pixel \(i) is background and should not change")
            }
        }
        XCTAssertGreaterThan(blueMinusRed, 0)
    }

    /// Within two pixels of the subject: its anti-aliased rim.
    static func nearSubject(_ s: Scene, _ i: Int) -> Bool {
        let x = i % 64, y = i / 64
        for dy in -2...2 { for dx in -2...2 {
            let xx = x + dx, yy = y + dy
            if xx >= 0, yy >= 0, xx < 64, yy < 64, s.mask[yy * 64 + xx] != 0 { return true }
        } }
        return false
    }

    /// The same seeds give the same pixels on every machine: these digests were taken
    /// when the renderer was written and must never change.
    func testScenesAreTheSameOnEveryMachine() {
        var digests: [String] = []
        for seed in [UInt64(0), 1, 2, 3, 1_000_000_000] {
            let s = Self.renderer.render(seed: seed)
            var h = SHA256()
            h.update(Data(s.rgb)); h.update(Data(s.mask))
            digests.append(h.finalize().map { String(format: "%02x", $0) }.joined())
        }
        XCTAssertEqual(digests, SceneTests.expectedDigests)
    }

    static let expectedDigests = [
        "283e1640a0ef0f84ad454fc588e7b335e4bcbdc624588874185c18f20f8da965",
        "22d3ce26d9ed77e81e7af00fbc0fd0790335d6f3acc0e1031b5d8960bf54ac5b",
        "14b7bdf80f9e4a92ad9a587c91f38f228dd9de57ba6d775b588c549c064211e3",
        "e7e7cf29710d61f8e997f30b56eed35d7610935a949ac2366778ecd16697fcc1",
        "48658953b18b745a3c1faebd05c12b9b0c4af98e190ffb04ccad687eec1440fb",
    ]
}
