// swift-tools-version:6.0
// Holdfast: a fault-tolerant betting engine for venue appliances.
// Targets follow docs/adr/0001-module-layout.md: one job each, dependencies pointing one way
// (Wagering <- Journal <- holdfast CLI).
import PackageDescription

let strictSwift6: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Holdfast",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "holdfast", targets: ["holdfast"]),
        .library(name: "Wagering", targets: ["Wagering"]),
        .library(name: "Journal", targets: ["Journal"]),
    ],
    dependencies: [
        .package(url: "https://github.com/attaswift/BigInt.git", from: "6.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // Pure betting domain: money, odds, markets, bets, limits, settlement, tickets. No I/O.
        .target(
            name: "Wagering",
            dependencies: [
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift6
        ),
        // The durable, hash-chained, append-only journal on SQLite, with group commit and derived state.
        .target(
            name: "Journal",
            dependencies: [
                "Wagering",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSwift6
        ),
        // The ops CLI: journal verify/rebuild, benchmarks.
        .executableTarget(
            name: "holdfast",
            dependencies: [
                "Journal",
                "Wagering",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift6
        ),
        // A child process the crash tests SIGKILL in the middle of group commits.
        .executableTarget(
            name: "JournalCrashHarness",
            dependencies: ["Journal", "Wagering"],
            path: "Tests/JournalCrashHarness",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "WageringTests",
            dependencies: [
                "Wagering",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "JournalTests",
            dependencies: [
                "Journal",
                "Wagering",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift6
        ),
    ],
    swiftLanguageModes: [.v6]
)
