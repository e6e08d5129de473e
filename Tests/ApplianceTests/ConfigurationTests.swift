import Appliance
import Foundation
import Testing
import Wagering

@Suite("Configuration files are validated key by key")
struct ConfigurationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("the shipped reference and demo configurations load", arguments: ["holdfast.yaml", "holdfast-demo.yaml"])
    func shippedConfigurations(file: String) throws {
        let configuration = try ApplianceConfiguration.load(path: Self.repository + "/firmware-config/" + file)
        #expect(configuration.currency == .gbp)
        #expect(configuration.limits.maxStakePerBet == 50_000)
        if file == "holdfast-demo.yaml" {
            #expect(configuration.terminals.map(\.id.rawValue) == ["demo-kiosk", "demo-staff"])
            #expect(configuration.limits.terminal("demo-kiosk").maxStakePerBet == 5_000)
            #expect(configuration.dataDirectory == Self.repository + "/var/holdfast")
            let board = try DemoBoard.load(path: try #require(configuration.demo).boardFile, nowMillis: 0)
            #expect(board.count == 4 && board.allSatisfy { $0.event.name.hasPrefix("DEMO") })
        }
    }

    @Test("the NUT example's power section fits the configuration")
    func nutExample() throws {
        let section = try String(contentsOfFile: Self.repository + "/firmware-config/nut/holdfast-power.yaml", encoding: .utf8)
        let yaml = Self.valid.replacingOccurrences(of: "power: { source: simulated }", with: section)
        let configuration = try ApplianceConfiguration.parse(yaml: yaml, relativeTo: "/tmp")
        #expect(configuration.power.source == .nut)
        #expect(configuration.power.nut.ups == "venueups" && configuration.power.nut.username == "holdfast")
        #expect(configuration.power.shutdownCommand == ["/usr/bin/systemctl", "poweroff"])
    }

    static let valid = """
        appliance: { code: HF01, currency: GBP, data_dir: /tmp/x }
        api: {}
        journal: {}
        limits:
          min_stake_per_line: "0.10"
          max_stake_per_bet: "500.00"
          max_payout_per_bet: "25000.00"
          max_liability_per_selection: "50000.00"
          max_liability_per_market: "100000.00"
          terminal_max_stake_per_bet: "200.00"
          terminal_max_open_stake: "5000.00"
        terminals:
          - { id: k1, role: kiosk, secret: 0000000000000000000000000000000000000000000000000000000000000001 }
        power: { source: simulated }
        """

    /// (replace this, with that) -> the key the error must name, and a word of its problem.
    static let broken: [(String, String, String, String)] = [
        ("code: HF01", "code: HFOX1", "appliance.code", "appliance code"),
        ("currency: GBP", "currency: XXX", "appliance.currency", "unknown currency"),
        ("api: {}", "api: { listen_port: 70000 }", "api.listen_port", "out of range"),
        ("api: {}", "api: { listen_prot: 80 }", "api.listen_prot", "not a known setting"),
        (#"max_stake_per_bet: "500.00""#, #"max_stake_per_bet: "12.345""#, "limits.max_stake_per_bet", "digits after the point"),
        (#"max_stake_per_bet: "500.00""#, #"max_stake_per_bet: "-5""#, "limits.max_stake_per_bet", "not an amount"),
        (#"  min_stake_per_line: "0.10"\n"#, "", "limits.min_stake_per_line", "required"),
        ("role: kiosk", "role: manager", "terminals[0].role", "kiosk, staff"),
        ("secret: 0000000000000000000000000000000000000000000000000000000000000001", "secret: abc", "terminals[0].secret", "64 hex digits"),
        ("power: { source: simulated }", "power: { source: solar }", "power.source", "simulated"),
        ("journal: {}", "journal: [1, 2]", "journal", "mapping"),
    ]

    @Test("each broken setting is refused, naming the key and the problem", arguments: 0..<broken.count)
    func brokenSetting(index: Int) {
        let (from, to, key, problem) = Self.broken[index]
        let text = Self.valid.replacingOccurrences(of: from.replacingOccurrences(of: "\\n", with: "\n"), with: to)
        #expect(text != Self.valid, "case \(index) did not change the text")
        do {
            _ = try ApplianceConfiguration.parse(yaml: text, relativeTo: "/tmp")
            Issue.record("case \(index) (\(key)) was accepted")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(error.description.contains(problem), "\(error)")
        }
    }

    static func withUplink(_ settings: String) -> String {
        valid + """

            uplink:
              endpoints: [{ url: "https://central.example:8443" }]
              certificate: /etc/hostname
              key: /etc/hostname
              central_ca: /etc/hostname
            \(settings)
            """
    }

    @Test("an uplink is online only while central's answers are fresh: 10 s by default, the idle check and feed within it")
    func uplinkFreshness() throws {
        let defaults = try #require(try ApplianceConfiguration.parse(yaml: Self.withUplink(""), relativeTo: "/tmp").uplink)
        #expect(defaults.freshness == .seconds(10) && defaults.idleCheckInterval == .seconds(3) && defaults.feedWait == .seconds(3))
        let tight = try #require(try ApplianceConfiguration.parse(yaml: Self.withUplink("  freshness_seconds: 2"), relativeTo: "/tmp").uplink)
        #expect(tight.idleCheckInterval == .seconds(1) && tight.feedWait == .seconds(1))

        let refused: [(String, String, String)] = [
            ("  offline_grace_seconds: 60", "uplink.offline_grace_seconds", "freshness_seconds"),
            ("  freshness_seconds: 61", "uplink.freshness_seconds", "out of range"),
            ("  freshness_seconds: 1", "uplink.freshness_seconds", "out of range"),
            ("  freshness_seconds: 5\n  idle_check_seconds: 5", "uplink.idle_check_seconds", "below uplink.freshness_seconds"),
        ]
        for (settings, key, problem) in refused {
            do {
                _ = try ApplianceConfiguration.parse(yaml: Self.withUplink(settings), relativeTo: "/tmp")
                Issue.record("\(settings) was accepted")
            } catch {
                #expect(error.key == key && error.description.contains(problem), "\(error)")
            }
        }
    }

    @Test("paying offline wins before the verdict is off unless set; its total is at most the offline liability")
    func payBeforeVerdict() throws {
        func early(_ settings: String) throws(ConfigurationError) -> EarlyPayoutLimits {
            try ApplianceConfiguration.parse(yaml: Self.valid + "\noffline: { \(settings) }\n", relativeTo: "/tmp").offline.earlyPayout
        }
        #expect(try ApplianceConfiguration.parse(yaml: Self.valid, relativeTo: "/tmp").offline.earlyPayout == .none)
        #expect(try early(#"pay_before_verdict_up_to: "0.00""#) == .none)
        #expect(try early(#"pay_before_verdict_up_to: "5.00""#) == EarlyPayoutLimits(perTicket: 500, total: 5_000), "ten such wins by default")
        #expect(try early(#"pay_before_verdict_up_to: "500.00""#).total == 200_000, "at most max_liability by default")
        #expect(try early(#"pay_before_verdict_up_to: "5.00", pay_before_verdict_total: "20.00""#).total == 2_000)

        let refused: [(String, String, String)] = [
            (#"pay_before_verdict_up_to: "-1.00""#, "offline.pay_before_verdict_up_to", "amount"),
            (#"pay_before_verdict_up_to: "5.00", pay_before_verdict_total: "2000.01""#, "offline.pay_before_verdict_total", "max_liability"),
        ]
        for (settings, key, problem) in refused {
            do {
                _ = try early(settings)
                Issue.record("\(settings) was accepted")
            } catch {
                #expect(error.key == key && error.description.contains(problem), "\(error)")
            }
        }
    }

    @Test("in_play: the delay cannot be turned off, the bounds are consistent, and the defaults are the ADR's")
    func inPlaySettings() throws {
        func inPlay(_ settings: String) throws(ConfigurationError) -> InPlaySettings {
            try ApplianceConfiguration.parse(yaml: Self.valid + "\nin_play: { \(settings) }\n", relativeTo: "/tmp").inPlay
        }
        let defaults = try ApplianceConfiguration.parse(yaml: Self.valid, relativeTo: "/tmp").inPlay
        #expect(defaults.rules == .standard && defaults.maxPendingSeconds == 60)
        #expect(try inPlay("delay_seconds: 12, max_pending_per_terminal: 1").rules
            == InPlayRules(floorSeconds: 12, maxPendingPerTerminal: 1, maxPending: 256))
        let refused: [(String, String, String)] = [
            ("delay_seconds: 0", "in_play.delay_seconds", "1"),
            ("delay_seconds: 31", "in_play.delay_seconds", "30"),
            ("max_pending_per_terminal: 4, max_pending: 3", "in_play.max_pending", "at least"),
            ("max_pending_seconds: 30", "in_play.max_pending_seconds", "31"),
            ("delay: 5", "in_play.delay", "not a known setting"),
        ]
        for (settings, key, problem) in refused {
            do {
                _ = try inPlay(settings)
                Issue.record("\(settings) was accepted")
            } catch {
                #expect(error.key == key && error.description.contains(problem), "\(error)")
            }
        }
    }

    @Test("a terminal listed twice is refused")
    func duplicateTerminal() {
        let yaml = Self.valid.replacingOccurrences(
            of: "terminals:\n", with: "terminals:\n  - { id: k1, role: staff, secret: \(String(repeating: "2", count: 64)) }\n")
        do {
            _ = try ApplianceConfiguration.parse(yaml: yaml, relativeTo: "/tmp")
            Issue.record("a duplicate terminal was accepted")
        } catch {
            #expect(error.key == "terminals[1].id" && error.description.contains("listed twice"), "\(error)")
        }
    }

    @Test("a file that is not YAML says so")
    func notYAML() {
        #expect(throws: ConfigurationError.self) { _ = try ApplianceConfiguration.parse(yaml: "appliance: [unclosed", relativeTo: "/tmp") }
    }
}
