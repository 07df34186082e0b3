// swift-tools-version:5.10
import PackageDescription

let optimise: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

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
        .target(name: "StrataTensor", dependencies: ["CStrata"], swiftSettings: optimise),
        .target(name: "StrataModels", dependencies: ["StrataTensor", "CStrata"], swiftSettings: optimise),
        .target(name: "StrataEdit", dependencies: ["StrataModels", "StrataTensor"], swiftSettings: optimise),
        .target(name: "StrataSprites", dependencies: ["StrataModels", "StrataTensor"], swiftSettings: optimise),
        // Layered generation: Text2Layer's layered autoencoder and pipeline.
        .target(name: "StrataLayers", dependencies: ["StrataEdit", "StrataModels", "StrataTensor"], swiftSettings: optimise),
        // ncursesw and chafa for the terminal editor (headers and inline wrappers only).
        .systemLibrary(name: "CTerminal", pkgConfig: "chafa", providers: [.apt(["libncursesw5-dev", "libchafa-dev", "libglib2.0-dev"])]),
        .target(name: "StrataTUI", dependencies: ["CTerminal", "StrataEdit", "StrataModels", "StrataTensor"], swiftSettings: optimise),
        .target(name: "StrataTraining", dependencies: ["StrataSprites", "StrataLayers", "StrataModels", "StrataTensor"], swiftSettings: optimise),
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
            swiftSettings: optimise
        ),
        .testTarget(
            name: "StrataTensorTests",
            dependencies: ["StrataTensor"],
            exclude: ["Fixtures"],
            swiftSettings: optimise
        ),
        .testTarget(
            name: "StrataModelsTests",
            dependencies: ["StrataModels"],
            exclude: ["Fixtures"],
            swiftSettings: optimise
        ),
        .testTarget(
            name: "StrataEditTests",
            dependencies: ["StrataEdit", "StrataModels", "StrataTensor"],
            swiftSettings: optimise
        ),
        .testTarget(
            name: "StrataLayersTests",
            dependencies: ["StrataLayers", "StrataModels", "StrataTensor"],
            swiftSettings: optimise
        ),
        // The strata command as scripts use it: run as a process, without a terminal.
        .testTarget(
            name: "StrataCLITests",
            dependencies: ["strata", "StrataModels", "StrataLayers"],
            swiftSettings: optimise
        ),
        .testTarget(
            name: "StrataTUITests",
            dependencies: ["StrataTUI", "StrataEdit"],
            exclude: ["Snapshots"],
            swiftSettings: optimise
        ),
        .testTarget(
            name: "StrataTrainingTests",
            dependencies: ["StrataTraining", "StrataLayers", "StrataTensor", "StrataModels", "StrataSprites"],
            swiftSettings: optimise
        ),
        .testTarget(
            name: "StrataSpritesTests",
            dependencies: ["StrataSprites", "StrataModels", "StrataTensor", "StrataEdit"],
            exclude: ["Fixtures"],
            swiftSettings: optimise
        ),
    ]
)
