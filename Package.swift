// swift-tools-version:5.10
import PackageDescription

// The engine (tensors, kernels, autograd) is built without bounds and overflow checks,
// where docs/performance.md measures that it matters; everything else, which reads
// files and user input, keeps Swift's checks (release builds are -O, whole-module).
let unchecked: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]
let checked: [SwiftSetting] = []

let package = Package(
    name: "Strata",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "strata", targets: ["strata"]),
        .library(name: "StrataTensor", targets: ["StrataTensor"]),
        .library(name: "StrataModels", targets: ["StrataModels"]),
        .library(name: "StrataSprites", targets: ["StrataSprites"]),
        .library(name: "StrataEdit", targets: ["StrataEdit"]),
        .library(name: "StrataLayers", targets: ["StrataLayers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Thin C shims: OpenBLAS's cblas and libpng, nothing Swift can do itself.
        .target(
            name: "CStrata",
            cSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("openblas"), .linkedLibrary("png"), .linkedLibrary("m")]
        ),
        .target(name: "StrataTensor", dependencies: ["CStrata"], swiftSettings: unchecked),
        .target(name: "StrataModels", dependencies: ["StrataTensor", "CStrata"], swiftSettings: checked),
        .target(name: "StrataEdit", dependencies: ["StrataModels", "StrataTensor"], swiftSettings: checked),
        .target(name: "StrataSprites", dependencies: ["StrataModels", "StrataTensor"], swiftSettings: checked),
        // Layered generation: Text2Layer's layered autoencoder and pipeline.
        .target(name: "StrataLayers", dependencies: ["StrataEdit", "StrataModels", "StrataTensor"], swiftSettings: checked),
        // ncursesw and chafa for the terminal editor (headers and inline wrappers only).
        .systemLibrary(name: "CTerminal", pkgConfig: "chafa", providers: [.apt(["libncursesw5-dev", "libchafa-dev", "libglib2.0-dev"])]),
        .target(name: "StrataTUI", dependencies: ["CTerminal", "StrataEdit", "StrataLayers", "StrataModels", "StrataTensor"], swiftSettings: checked),
        .target(name: "StrataTraining", dependencies: ["StrataSprites", "StrataLayers", "StrataModels", "StrataTensor"], swiftSettings: checked),
        .executableTarget(
            name: "strata",
            dependencies: [
                "StrataTensor",
                "StrataModels",
                "StrataSprites",
                "StrataTraining",
                "StrataLayers",
                "StrataEdit",
                "StrataTUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: checked
        ),
        .testTarget(
            name: "StrataTensorTests",
            dependencies: ["StrataTensor", "StrataModels"],
            exclude: ["Fixtures"],
            swiftSettings: checked
        ),
        .testTarget(
            name: "StrataModelsTests",
            dependencies: ["StrataModels"],
            exclude: ["Fixtures"],
            swiftSettings: checked
        ),
        .testTarget(
            name: "StrataEditTests",
            dependencies: ["StrataEdit", "StrataModels", "StrataTensor"],
            swiftSettings: checked
        ),
        .testTarget(
            name: "StrataLayersTests",
            dependencies: ["StrataLayers", "StrataModels", "StrataTensor"],
            swiftSettings: checked
        ),
        // The strata command as scripts use it: run as a process, without a terminal.
        .testTarget(
            name: "StrataCLITests",
            dependencies: ["strata", "StrataModels", "StrataLayers"],
            exclude: ["Malformed"],
            swiftSettings: checked
        ),
        .testTarget(
            name: "StrataTUITests",
            dependencies: ["StrataTUI", "StrataEdit", "StrataLayers", "StrataModels", "StrataTensor"],
            exclude: ["Snapshots"],
            swiftSettings: checked
        ),
        .testTarget(
            name: "StrataTrainingTests",
            dependencies: ["StrataTraining", "StrataLayers", "StrataTensor", "StrataModels", "StrataSprites"],
            swiftSettings: checked
        ),
        .testTarget(
            name: "StrataSpritesTests",
            dependencies: ["StrataSprites", "StrataModels", "StrataTensor", "StrataEdit"],
            exclude: ["Fixtures"],
            swiftSettings: checked
        ),
    ]
)
