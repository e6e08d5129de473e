import Appliance
import Foundation
import Testing
import TestSupport

/// The configuration loader, fed the shipped files with lines deleted, duplicated, moved and
/// re-indented, values swapped for tokens, bytes flipped and the file cut short. Every outcome is
/// a configuration that holds together or an error that names the key or line to fix.
@Suite("Fuzzing the configuration loader")
struct ConfigurationFuzzTests {
    static let sections: Set<String> = ["appliance", "api", "journal", "limits", "terminals", "power", "console", "backup", "alerts", "uplink",
                                        "offline", "demo"]
    /// Keys and values the loader knows, so mutations reach its later checks.
    static let words: [[UInt8]] = [
        "code: HF01", "currency: EUR", "source: nut", "source: gpio", "profile: x1200", "profile: nut-usb", "profile: ../etc", "gpio_chip: 4",
        "endpoints: [{ url: \"https://central-a.example:8443\" }]", "endpoints: [{ url: \"http://x/y\" }]", "batch_size: 2001",
        "terminals: [{ id: kiosk-1, role: kiosk, secret: \(String(repeating: "ab", count: 32)) }]", "role: admin", "secret: abc",
        "technicians: [{ name: t, pin_hash: \"scrypt:14:8:1:00:00\" }]", "device: ttyS0", "baud: 9600", "baud: 1234", "\"0.00\"", "\"12.345\"",
        "max_on_battery_seconds: 0", "control_socket: \(String(repeating: "s", count: 120))", "log_level: loud", "&anchor", "*anchor",
        "<<: *anchor", "!!str", "? ", "{}", "[]", "- ", "  ", "\t",
    ].map { Array($0.utf8) }

    @Test("mutated configuration files load as a consistent configuration, or fail naming a key or a line")
    func configurationFiles() async throws {
        let seeds = try FirmwareConfiguration.texts()
        for seed in seeds {
            #expect(throws: Never.self, "the shipped files load") {
                try ApplianceConfiguration.parse(yaml: seed, relativeTo: FirmwareConfiguration.directory)
            }
        }
        let scratch = try TemporaryDirectory()
        await FuzzCampaign("config", seed: 0xC0_4F16_0000_010A, defaultCases: 1_500).run { input in
            let seed = input.pick(seeds)
            let bytes: [UInt8] = switch input.below(10) {
            case 0...4: Array(input.mutateLines(seed, dictionary: Self.words, others: seeds).utf8)
            case 5, 6: input.mutate(Array(seed.utf8), dictionary: Self.words, others: seeds.map { Array($0.utf8) })
            case 7: input.mutate(Array(input.mutateLines(seed, dictionary: Self.words).utf8), rounds: 2, dictionary: Self.words)
            case 8: Array(seed.utf8.prefix(input.below(seed.utf8.count)))
            default: input.randomBytes(upTo: 2_000)
            }
            // Mostly the text entry point, which resolves profiles and the demo board next to the
            // shipped files; sometimes the file entry point, which also sees bytes that are not UTF-8.
            let path = scratch.path + "/holdfast.yaml"
            let text = String(decoding: bytes, as: UTF8.self)
            do throws(ConfigurationError) {
                let configuration: ApplianceConfiguration
                if input.chance(percent: 10) {
                    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return "cannot write the input to \(path)" }
                    configuration = try ApplianceConfiguration.load(path: path)
                } else {
                    configuration = try ApplianceConfiguration.parse(yaml: text, relativeTo: FirmwareConfiguration.directory)
                }
                return Self.inconsistency(in: configuration).map { "\($0), from \(Shown.bytes(bytes, limit: 4_000))" }
            } catch {
                return Self.unnamed(error, text: text, path: path).map { "\($0), from \(Shown.bytes(bytes, limit: 4_000))" }
            }
        }
    }

    /// What a loaded configuration must never be, whatever the file said.
    static func inconsistency(in configuration: ApplianceConfiguration) -> String? {
        let limits = configuration.limits
        let amounts = [limits.minStakePerLine, limits.maxStakePerBet, limits.maxPayoutPerBet, limits.maxLiabilityPerSelection,
                       limits.maxLiabilityPerMarket, limits.terminalDefaults.maxStakePerBet, limits.terminalDefaults.maxOpenStake]
        if let amount = amounts.first(where: { $0 <= 0 }) { return "a limit of \(amount) loaded" }
        let ids = configuration.terminals.map(\.id.rawValue)
        if Set(ids).count != ids.count || ids.contains("") { return "terminal ids \(ids) loaded" }
        if !ConsoleSettings.baudRates.contains(configuration.console.baud) { return "baud \(configuration.console.baud) loaded" }
        if configuration.controlSocket.utf8.count >= 108 || configuration.console.socket.utf8.count >= 108 { return "a socket path too long for sun_path loaded" }
        // powerSource() unwraps the GPIO settings for a GPIO source.
        if configuration.power.source == .gpio, configuration.power.gpio == nil { return "a GPIO source without GPIO settings loaded" }
        if let uplink = configuration.uplink, uplink.endpoints.isEmpty || uplink.endpoints.contains(where: { $0.scheme != "https" }) {
            return "uplink endpoints \(uplink.endpoints) loaded"
        }
        return nil
    }

    /// Nil when the error names what to fix: a key of the file (a section's, or one written in the
    /// file), the file itself, or a line within it; otherwise what is wrong with the error.
    static func unnamed(_ error: ConfigurationError, text: String, path: String) -> String? {
        guard !error.key.isEmpty, !error.problem.isEmpty, error.description.contains(error.key) else { return "the error '\(error)' is empty" }
        let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
        if let line = error.line, !(0...lineCount + 1).contains(line) { return "'\(error)' names line \(line) of \(lineCount)" }
        switch error.key {
        case path: return nil
        case "(file)":
            // Not YAML at all: the parser's message must say where.
            return error.problem.contains(where: \.isNumber) ? nil : "'\(error)' does not say where the YAML breaks"
        case "(top level)": return nil
        default:
            let section = String(error.key.prefix { $0 != "." && $0 != "[" })
            return sections.contains(section) || text.contains(section) || error.line != nil ? nil : "'\(error)' names no key of the file"
        }
    }
}

/// The configuration files shipped in firmware-config/, the seeds of the configuration fuzzing.
enum FirmwareConfiguration {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("firmware-config").path

    static func texts() throws -> [String] {
        try ["holdfast.yaml", "holdfast-demo.yaml"].map { try String(contentsOfFile: directory + "/" + $0, encoding: .utf8) }
    }
}
