import Foundation
import StrataModels
import XCTest
@testable import StrataSprites

final class SceneLayersTests: XCTestCase {
    static let renderer = SceneTests.renderer

    /// `F over B` is the scene render within one 8-bit level, on 1,200 seeds of the
    /// training and evaluation ranges; the layers' own checks ride along.
    func testForegroundOverBackgroundIsTheScene() {
        var worst: Float = 0, shadows = 0
        let seeds = Array(UInt64(0)..<1_000) + (0..<200).map { SceneSpec.evaluationSeed(3, index: $0) }
        for seed in seeds {
            let scene = Self.renderer.render(seed: seed)
            let layers = Self.renderer.renderLayers(seed: seed)
            let composite = layers.composite
            for i in 0..<(64 * 64 * 3) { worst = max(worst, abs(composite[i] - Float(scene.rgb[i]))) }
            for i in 0..<(64 * 64) {
                let a = layers.alpha[i]
                XCTAssert((0...1).contains(a), "seed \(seed)")
                // The subject mask of edits is the sprite's alpha > 0.5, so within m > 0.5; m
                // passes 0.5 elsewhere only where a sprite's soft edge lies over its shadow.
                if scene.mask[i] != 0 { XCTAssertGreaterThan(a, 0.5, "seed \(seed) pixel \(i)") }
                if a > 0.5 && scene.mask[i] == 0 { XCTAssertEqual(layers.spec.pose, .jumping, "seed \(seed) pixel \(i)") }
                if a == 0 { XCTAssertEqual(layers.foreground[(i * 3)..<(i * 3 + 3)], [0, 0, 0], "seed \(seed)") }
                if abs(a - 0.35) < 1e-6 {
                    shadows += 1
                    XCTAssertEqual(layers.spec.pose, .jumping, "seed \(seed): a shadow only under a jump")
                    XCTAssertEqual(layers.foreground[(i * 3)..<(i * 3 + 3)], [0, 0, 0], "seed \(seed): the shadow is black")
                }
            }
        }
        XCTAssertLessThanOrEqual(worst, 1, "F over B differs from the scene by \(worst) levels")
        XCTAssertGreaterThan(shadows, 1_000)
    }

    /// B holds no subject: where F is empty it is the scene itself, and a blue and a red
    /// subject on the same seed leave the same background.
    func testBackgroundHoldsNoSubject() {
        for seed in UInt64(0)..<50 {
            var spec = SceneSpec(seed: seed)
            spec.tint = .blue
            let blue = Self.renderer.renderLayers(spec)
            spec.tint = .red
            let red = Self.renderer.renderLayers(spec)
            XCTAssertEqual(blue.backgroundBytes, red.backgroundBytes, "seed \(seed)")
            XCTAssertEqual(blue.alpha, red.alpha, "seed \(seed)")
            let scene = Self.renderer.render(spec)
            for i in 0..<(64 * 64) where red.alpha[i] == 0 {
                XCTAssertEqual(red.backgroundBytes[(i * 3)..<(i * 3 + 3)], scene.rgb[(i * 3)..<(i * 3 + 3)], "seed \(seed)")
            }
        }
    }

    /// The layer files, read back by the PNG reader, compose to the scene within the
    /// rounding of three 8-bit layers.
    func testLayerFilesComposeToTheScene() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("strata-layers-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for seed in UInt64(0)..<40 {
            let path = dir.appendingPathComponent("s\(seed).png").path
            let scene = Self.renderer.render(seed: seed)
            try SceneFiles.write(scene, seed: seed, to: path)
            try SceneFiles.writeLayers(Self.renderer.renderLayers(seed: seed), beside: path)
            let files = SceneFiles.layerFiles(of: path)
            let b = try PNGImage.read(files.background), f = try PNGImage.read(files.foreground), m = try PNGImage.read(files.layerMask)
            for i in 0..<(64 * 64) {
                let a = Float(f.rgba[i * 4 + 3]) / 255
                XCTAssertEqual(m.rgba[i * 4], f.rgba[i * 4 + 3], "the mask file is F's alpha")
                for c in 0..<3 {
                    let over = a * Float(f.rgba[i * 4 + c]) + (1 - a) * Float(b.rgba[i * 4 + c])
                    XCTAssertLessThanOrEqual(abs(over - Float(scene.rgb[i * 3 + c])), 1.5, "seed \(seed) pixel \(i)")
                }
            }
        }
    }
}
