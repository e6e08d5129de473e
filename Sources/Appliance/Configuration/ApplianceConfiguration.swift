import Foundation
public import TerminalProtocol
public import Logging
public import Power
public import Uplink
public import PowerGPIO
public import Wagering
import Yams

/// Everything holdfastd is configured with, validated. Built from a YAML file
/// (firmware-config/holdfast.yaml is the commented reference) by ``load(path:)``.
public struct ApplianceConfiguration: Sendable {
    public var applianceCode: ApplianceCode
    public var currency: Currency
    public var dataDirectory: String
    /// The local control socket `holdfast power status|watch` talks to (mode 0600).
    public var controlSocket: String
    /// SHA-256 sums the software and configuration must match before bets are taken.
    public var manifest: IntegrityManifest?
    public var logLevel: String
    public var api: APISettings
    public var journal: JournalSettings
    public var limits: BettingLimits
    public var terminals: [TerminalCredential]
    public var power: PowerSettings
    public var console: ConsoleSettings
    public var backup: BackupSettings
    public var alerts: AlertSettings
    /// How to reach central; nil: no central (always offline).
    public var uplink: UplinkSettings?
    public var offline: OfflineSettings
    public var inPlay: InPlaySettings
    public var demo: DemoSettings?

    public struct APISettings: Sendable {
        public var host: String
        public var port: Int
        public var maxBodyBytes: Int
        public var idleTimeoutSeconds: Int
        public var signatureMaxSkewSeconds: Int
        public var nonceCacheCapacity: Int
        public var voidWindowSeconds: Int
        public var maxBoardStreams: Int
    }

    public struct JournalSettings: Sendable {
        public var queueCapacity: Int
        public var maxBatch: Int
        public var groupCommitDelayMicroseconds: Int
        public var maxOpenTickets: Int
    }

    public struct PowerSettings: Sendable {
        public enum Source: String, Sendable, CaseIterable { case simulated, nut, gpio }
        public var source: Source
        /// The board, when `power.profile` names one (hardware/<name>.yaml).
        public var profile: HardwareProfile?
        /// The file the simulated source reads (docs/power.md).
        public var simulatedStateFile: String
        /// How to reach upsd, for `source: nut`.
        public var nut: NUTPowerSource.Settings
        /// The HAT's lines, for `source: gpio` (from the profile, `power.gpio_chip` overriding its chip).
        public var gpio: GPIOSettings?
        public var policy: PowerPolicy
        /// Run once when the final delay ends (argv, split on spaces); empty: only log.
        public var shutdownCommand: [String]
        /// Run instead of the shutdown command when a technician asked for a reboot.
        public var rebootCommand: [String]
    }

    /// Demo data for trying the appliance out: never on a real venue's appliance.
    public struct DemoSettings: Sendable {
        public var boardFile: String
        /// Move a random price this often (0: never), so the live stream and odds-change
        /// refusals can be seen.
        public var movePricesEverySeconds: Int
    }

    /// The configured power source.
    public func powerSource(logger: Logger) -> any PowerSource {
        switch power.source {
        case .simulated: SimulatedPowerSource(path: power.simulatedStateFile)
        case .nut: NUTPowerSource(power.nut)
        case .gpio:
            // parse() refuses `source: gpio` without a GPIO profile.
            GPIOPowerSource(settings: power.gpio!, logger: logger)
        }
    }

    public func terminal(_ id: TerminalID) -> TerminalCredential? {
        terminals.first { $0.id == id }
    }
}

/// A terminal allowed to use the API.
public struct TerminalCredential: Sendable {
    public var id: TerminalID
    public var role: TerminalRole
    public var secret: TerminalSecret
    public var limits: TerminalLimits?
}

extension ApplianceConfiguration {
    /// Reads and validates a configuration file; the error names the key, the line and the problem.
    public static func load(path: String) throws(ConfigurationError) -> ApplianceConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(key: path, line: nil, problem: "cannot be read (missing or not permitted)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(key: path, line: nil, problem: "is not UTF-8 text")
        }
        return try parse(yaml: text, relativeTo: (path as NSString).deletingLastPathComponent)
    }

    /// Parses configuration text. Relative paths in it (data directory, demo board) are taken
    /// relative to `directory`.
    public static func parse(yaml text: String, relativeTo directory: String) throws(ConfigurationError) -> ApplianceConfiguration {
        let root: Node?
        do { root = try ConfigReader.compose(yaml: text) } catch {
            throw ConfigurationError(key: "(file)", line: nil, problem: "is not valid YAML: \(error)")
        }
        var top = try ConfigReader(node: root, path: "")

        var appliance = try top.section("appliance")
        let codeText = try appliance.string("code")
        let code: ApplianceCode
        do { code = try ApplianceCode(codeText) } catch {
            throw ConfigurationError(key: "appliance.code", line: nil, problem: error.description)
        }
        let currencyCode = try appliance.string("currency")
        let currency: Currency
        do { currency = try Currency(code: currencyCode) } catch {
            throw ConfigurationError(key: "appliance.currency", line: nil, problem: error.description)
        }
        let dataDirectory = resolve(try appliance.string("data_dir"), against: directory)
        let controlSocket = try appliance.optionalString("control_socket").map { resolve($0, against: directory) } ?? dataDirectory + "/control.sock"
        let manifest = try appliance.optionalString("manifest").map { path throws(ConfigurationError) in
            try IntegrityManifest.load(path: resolve(path, against: directory))
        }
        // sockaddr_un.sun_path holds 108 bytes including the terminating zero.
        guard controlSocket.utf8.count < 108 else {
            throw ConfigurationError(key: "appliance.control_socket", line: nil,
                                     problem: "'\(controlSocket)' is longer than a Unix socket path may be (107 bytes): set a shorter path")
        }
        let logLevel = try appliance.string("log_level", default: "info")
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(key: "appliance.log_level", line: nil,
                                     problem: "'\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        try appliance.finish()

        var apiReader = try top.section("api")
        let api = APISettings(
            host: try apiReader.string("listen_host", default: "127.0.0.1"),
            port: try apiReader.integer("listen_port", default: 8080, in: 0...65_535),
            maxBodyBytes: try apiReader.integer("max_body_bytes", default: 65_536, in: 1_024...16_777_216),
            idleTimeoutSeconds: try apiReader.integer("idle_timeout_seconds", default: 30, in: 1...3_600),
            signatureMaxSkewSeconds: try apiReader.integer("signature_max_skew_seconds", default: 30, in: 1...600),
            nonceCacheCapacity: try apiReader.integer("nonce_cache_capacity", default: 100_000, in: 100...10_000_000),
            voidWindowSeconds: try apiReader.integer("void_window_seconds", default: 300, in: 0...86_400),
            maxBoardStreams: try apiReader.integer("max_board_streams", default: 64, in: 1...10_000))
        try apiReader.finish()

        var journalReader = try top.section("journal")
        let journal = JournalSettings(
            queueCapacity: try journalReader.integer("queue_capacity", default: 4_096, in: 1...1_000_000),
            maxBatch: try journalReader.integer("max_batch", default: 512, in: 1...100_000),
            groupCommitDelayMicroseconds: try journalReader.integer("group_commit_delay_microseconds", default: 0, in: 0...100_000),
            maxOpenTickets: try journalReader.integer("max_open_tickets", default: 100_000, in: 1...50_000_000))
        try journalReader.finish()

        var limitsReader = try top.section("limits")
        let limits = BettingLimits(
            minStakePerLine: try limitsReader.amount("min_stake_per_line", currency: currency),
            maxStakePerBet: try limitsReader.amount("max_stake_per_bet", currency: currency),
            maxPayoutPerBet: try limitsReader.amount("max_payout_per_bet", currency: currency),
            maxLiabilityPerSelection: try limitsReader.amount("max_liability_per_selection", currency: currency),
            maxLiabilityPerMarket: try limitsReader.amount("max_liability_per_market", currency: currency),
            terminalDefaults: TerminalLimits(
                maxStakePerBet: try limitsReader.amount("terminal_max_stake_per_bet", currency: currency),
                maxOpenStake: try limitsReader.amount("terminal_max_open_stake", currency: currency)))
        try limitsReader.finish()

        var seenTerminals = Set<String>()
        let terminals = try top.list("terminals") { (reader: inout ConfigReader) throws(ConfigurationError) -> TerminalCredential in
            let id = try reader.string("id")
            guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw ConfigurationError(key: "\(reader.path).id", line: nil, problem: "'\(id)' must be 1-64 letters, digits, '-' or '_'")
            }
            guard seenTerminals.insert(id).inserted else {
                throw ConfigurationError(key: "\(reader.path).id", line: nil, problem: "terminal '\(id)' is listed twice")
            }
            let role: TerminalRole = try reader.choice("role")
            let secretText = try reader.string("secret")
            guard let secret = TerminalSecret(hex: secretText) else {
                throw ConfigurationError(key: "\(reader.path).secret", line: nil,
                                         problem: "must be 64 hex digits (32 bytes); `holdfast terminal add` makes one")
            }
            let maxStake = try reader.optionalAmount("max_stake_per_bet", currency: currency)
            let maxOpen = try reader.optionalAmount("max_open_stake", currency: currency)
            var terminalLimits: TerminalLimits?
            if maxStake != nil || maxOpen != nil {
                terminalLimits = TerminalLimits(maxStakePerBet: maxStake ?? limits.terminalDefaults.maxStakePerBet,
                                                maxOpenStake: maxOpen ?? limits.terminalDefaults.maxOpenStake)
            }
            return TerminalCredential(id: TerminalID(rawValue: id), role: role, secret: secret, limits: terminalLimits)
        }

        var powerReader = try top.section("power")
        let power = try PowerSettings.parse(&powerReader, relativeTo: directory)
        try powerReader.finish()

        var consoleReader = try top.section("console")
        let console = try ConsoleSettings.parse(&consoleReader, dataDirectory: dataDirectory, relativeTo: directory)
        try consoleReader.finish()

        var backupReader = try top.section("backup")
        let backup = try BackupSettings.parse(&backupReader, relativeTo: directory)
        try backupReader.finish()

        var alertsReader = try top.section("alerts")
        let alerts = try AlertSettings.parse(&alertsReader)
        try alertsReader.finish()

        var uplinkReader = try top.section("uplink")
        let uplink = try UplinkSettings.parse(&uplinkReader, relativeTo: directory)
        try uplinkReader.finish()

        var offlineReader = try top.section("offline")
        let offline = try OfflineSettings.parse(&offlineReader, currency: currency)
        try offlineReader.finish()

        var inPlayReader = try top.section("in_play")
        let inPlay = try InPlaySettings.parse(&inPlayReader)
        try inPlayReader.finish()

        var demoReader = try top.section("demo")
        var demo: DemoSettings?
        if let boardFile = try demoReader.optionalString("board_file") {
            demo = DemoSettings(boardFile: resolve(boardFile, against: directory),
                                movePricesEverySeconds: try demoReader.integer("move_prices_every_seconds", default: 0, in: 0...86_400))
        }
        try demoReader.finish()
        try top.finish()

        var overrides: [TerminalID: TerminalLimits] = [:]
        for terminal in terminals { overrides[terminal.id] = terminal.limits }
        var configuredLimits = limits
        configuredLimits.terminalOverrides = overrides
        return ApplianceConfiguration(applianceCode: code, currency: currency, dataDirectory: dataDirectory, controlSocket: controlSocket, manifest: manifest, logLevel: logLevel,
                                      api: api, journal: journal, limits: configuredLimits, terminals: terminals,
                                      power: power, console: console, backup: backup, alerts: alerts, uplink: uplink, offline: offline,
                                      inPlay: inPlay, demo: demo)
    }

    static func resolve(_ path: String, against directory: String) -> String {
        let joined = path.hasPrefix("/") || directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }
}
