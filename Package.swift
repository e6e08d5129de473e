// swift-tools-version:6.0
// Holdfast: a fault-tolerant betting engine for venue appliances.
// Targets follow docs/adr/0001-module-layout.md: one job each, dependencies pointing one way:
// Wagering <- Journal <- Appliance <- TerminalAPI <- holdfastd; TerminalProtocol is the wire
// format shared by the API and its clients (the holdfast CLI, tests).
import PackageDescription

let strictSwift6: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The two binaries an appliance runs are linked by the toolchain's lld with packed relative
/// relocations, and export no dynamic symbols: 5 MiB less resident memory per process
/// (docs/adr/0007-lld-and-packed-relocations.md).
let applianceLinking: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux])),
]

let package = Package(
    name: "Holdfast",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "holdfast", targets: ["holdfast"]),
        .executable(name: "holdfastd", targets: ["holdfastd"]),
        .executable(name: "holdfast-central", targets: ["holdfast-central"]),
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
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // The operating system's random numbers, as a RandomNumberGenerator that sanitizers can run.
        .target(
            name: "Randomness",
            swiftSettings: strictSwift6
        ),
        // JSON written straight into bytes, for the hot documents on the bet path.
        .target(name: "JSONBytes", swiftSettings: strictSwift6),
        // Pure betting domain: money, odds, markets, bets, limits, settlement, tickets. No I/O.
        .target(
            name: "Wagering",
            dependencies: [
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift6
        ),
        // The sync protocol's wire types and rules, shared by the appliance and central: the
        // journal record and its chain hash, push batches, high-water marks, problems.
        .target(
            name: "SyncProtocol",
            dependencies: [
                "Wagering",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift6
        ),
        // The durable, hash-chained, append-only journal on SQLite, with group commit and derived state.
        .target(
            name: "Journal",
            dependencies: [
                "JSONBytes",
                "Randomness",
                "SyncProtocol",
                "Wagering",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        // The terminal API's wire format and request signing, shared by the server and its clients.
        .target(
            name: "TerminalProtocol",
            dependencies: [
                "JSONBytes",
                "Wagering",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSwift6
        ),
        // Power supervision: sources' observations and the staged-shutdown state machine.
        .target(
            name: "Power",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        // libgpiod v1 from Debian's libgpiod-dev: no Swift package wraps it.
        .systemLibrary(
            name: "CGPIOD",
            pkgConfig: "libgpiod",
            providers: [.apt(["libgpiod-dev"])]
        ),
        // A UPS HAT's power-fail lines through libgpiod: edge events, debounce, output lines.
        .target(
            name: "PowerGPIO",
            dependencies: [
                "CGPIOD",
                "Power",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        // A signing HTTP client for the terminal API (the ops CLI's demo terminal and load generator, tests).
        .target(
            name: "TerminalClient",
            dependencies: [
                "Randomness",
                "TerminalProtocol",
                "Wagering",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        // The appliance: configuration, operating state, and the journal-backed service the API calls.
        .target(
            name: "Appliance",
            dependencies: [
                "Randomness",
                "Journal",
                "Power",
                "PowerGPIO",
                "SyncProtocol",
                "Uplink",
                "Wagering",
                "TerminalProtocol",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        // HTTP API for kiosks and staff terminals (Hummingbird 2).
        .target(
            name: "TerminalAPI",
            dependencies: [
                "Appliance",
                "Journal",
                "Wagering",
                "TerminalProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        // The technician's console on a serial line: line editing, login with lockout, commands.
        .target(
            name: "Console",
            dependencies: [
                "Appliance",
                "Journal",
                "Wagering",
                "TerminalProtocol",
                "Uplink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        // The daemon's local control API on a Unix socket, for the ops CLI on the appliance.
        .target(
            name: "ControlAPI",
            dependencies: [
                "Appliance",
                "Uplink",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift6
        ),
        // The appliance daemon.
        .executableTarget(
            name: "holdfastd",
            dependencies: [
                "Randomness",
                "Appliance",
                "Console",
                "ControlAPI",
                "Power",
                "TerminalAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift6,
            linkerSettings: applianceLinking
        ),
        // The appliance's side of sync: pushes the journal to central with failover and backoff,
        // and tracks connectivity. Knows records and the protocol, not bets.
        .target(
            name: "Uplink",
            dependencies: [
                "Randomness",
                "SyncProtocol",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        // The reference central sync service: PostgreSQL store, mutual-TLS sync endpoints.
        .target(
            name: "Central",
            dependencies: [
                "SyncProtocol",
                "Wagering",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        .executableTarget(
            name: "holdfast-central",
            dependencies: [
                "Central",
                "SyncProtocol",
                "Wagering",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift6
        ),
        // The ops CLI: journal verify/rebuild, odds, terminals, demo terminal, benchmarks.
        .executableTarget(
            name: "holdfast",
            dependencies: [
                "Randomness",
                "Appliance",
                "Power",
                "Journal",
                "Wagering",
                "TerminalProtocol",
                "TerminalClient",
                "Central",
                "SyncProtocol",
                "Uplink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6,
            linkerSettings: applianceLinking
        ),
        // A child process the crash tests SIGKILL in the middle of group commits.
        .executableTarget(
            name: "JournalCrashHarness",
            dependencies: ["Journal", "Randomness", "Wagering"],
            path: "Tests/JournalCrashHarness",
            swiftSettings: strictSwift6
        ),
        // Runs the real GPIO source inside the gpio-sim VM (scripts/gpio-vm) and reports what it saw.
        .executableTarget(
            name: "GPIOVMHarness",
            dependencies: [
                "Power",
                "PowerGPIO",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/GPIOVMHarness",
            swiftSettings: strictSwift6
        ),
        // Real power cuts: holdfastd in the gpio-vm qemu VM on a disk image, qemu SIGKILLed under load
        // (docs/RELIABILITY.md). The test runs a few cuts; scripts/gauntlet runs many.
        .executableTarget(
            name: "PowerCutGauntlet",
            dependencies: [
                "TestSupport", "Appliance", "Journal", "Randomness", "Wagering", "TerminalClient", "TerminalProtocol",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Tests/PowerCutGauntlet",
            swiftSettings: strictSwift6
        ),
        // posix_spawn's and pipe2's GNU extensions for the tests' children (TestSupport/Spawned.swift).
        .target(
            name: "CChildSpawn",
            path: "Tests/CChildSpawn"
        ),
        // The simulation's crash-injecting SQLite VFS (C: it is one; see SimulatedDisk.c for why by hand).
        .target(
            name: "CSimulatedDisk",
            path: "Tests/CSimulatedDisk",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        // Helpers the test targets share: temporary directories, child processes.
        .target(
            name: "TestSupport",
            dependencies: ["CChildSpawn", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/TestSupport",
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "WageringTests",
            dependencies: [
                "TestSupport",
                "Wagering",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "PowerTests",
            dependencies: ["Power", "PowerGPIO", "TestSupport"],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "ApplianceTests",
            dependencies: ["Appliance", "TerminalProtocol", "TestSupport", "Wagering"],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "TerminalAPITests",
            dependencies: [
                "Randomness",
                "TestSupport",
                "SyncProtocol",
                "Uplink",
                "Power",
                "Appliance",
                "TerminalAPI",
                "TerminalProtocol",
                "TerminalClient",
                "Journal",
                "Wagering",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "ConsoleTests",
            dependencies: ["Console", "Appliance"],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "SimulationTests",
            dependencies: [
                "CSimulatedDisk", "TestSupport", "Journal", "Wagering", "SyncProtocol", "Uplink", "Power",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        .testTarget(
            name: "JournalTests",
            dependencies: [
                "TestSupport",
                "Journal",
                "SyncProtocol",
                "Wagering",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
        // Seeded fuzzing of every parser that faces the outside (docs/FUZZING.md).
        .testTarget(
            name: "FuzzTests",
            dependencies: [
                "TestSupport",
                "Appliance",
                "Console",
                "Power",
                "SyncProtocol",
                "TerminalAPI",
                "TerminalProtocol",
                "Wagering",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strictSwift6
        ),
    ],
    swiftLanguageModes: [.v6]
)
