import Foundation
import Journal
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Wagering

extension SyncSuites {
    /// A verdict central holds the bet for but never delivers has a way out: a technician enters
    /// it at the console, only once central holds the bet and vouched for the clock that says it
    /// waited long enough (issue 24; docs/adr/0012). Against the real holdfast-central.
    @Suite("A verdict entered by hand", .timeLimit(.minutes(3)))
    struct ManualVerdictTests {
        /// The machine's clocks with the wall clock `millis` off.
        struct OffsetClock: JournalClock {
            let millis: Int64
            let system = SystemClock()
            func wallMillis() -> Int64 { system.wallMillis() + millis }
            func monotonicNanos() -> Int64 { system.monotonicNanos() }
        }

        /// A bet taken offline on k1-a, journaled `hoursAgo` ago by the appliance's clock, while the daemon is stopped.
        static func offlineBet(_ daemon: DaemonFixture, hoursAgo: Int64, key: String) async throws -> PlacedBet {
            let journal = try await daemon.openJournal(clock: OffsetClock(millis: -hoursAgo * 3_600_000))
            let slip = BetSlip(kind: .single, legs: [Leg(selectionID: "k1-a", seenOdds: try Odds.parse("2.0"), seenPriceVersion: 0)],
                               stakePerLine: Money(minorUnits: 300, currency: .gbp), oddsChangePolicy: .acceptAny)
            var request = BetRequest(terminalID: "load-kiosk", idempotencyKey: key, slip: slip, requestDigest: Digest256(hashing: Array(key.utf8)))
            request.offline = OfflineTerms(maxStakePerBet: 10_000, maxLiability: 1_000_000, maxBets: 10)
            do {
                let bet = try await journal.place(request).bet
                await journal.close()
                return bet
            } catch {
                await journal.close()
                throw error
            }
        }

        static func session(_ daemon: DaemonFixture, _ commands: [String]) async throws -> String {
            try await TechnicianConsole.session(daemon, commands).replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n  ", with: " ")
        }

        @Test("refused before central vouched for the clock or while its verdict may still come; entered once, journaled, raised here and at central")
        func enteredByHand() async throws {
            let central = try CentralFixture()
            try await central.start()
            let (console, _) = try ConsoleSuites.ConsoleTransportTests.technicianConfig()
            let hook = try AlertHookScript()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + "\n" + console
                                           + "alerts: { command: \(hook.path) }\noffline: { manual_verdict_after_hours: 2 }\n")
            let first = daemon.client(port: try await daemon.start())
            _ = try await Convergence.wait(daemon: first, central: central)
            #expect(await daemon.terminate() == 0)
            // Two bets taken offline, 3 h and 1 h ago by the appliance's clock.
            let waited = try await Self.offlineBet(daemon, hoursAgo: 3, key: "waited")
            let recent = try await Self.offlineBet(daemon, hoursAgo: 1, key: "recent")
            // Central's verdicts on them are lost on the way: the feed is read from far past them.
            try "1000000000\n".write(toFile: daemon.dataDirectory + "/central.feed-cursor", atomically: true, encoding: .utf8)

            await central.kill()
            let port = try await daemon.start()
            defer { daemon.terminateInBackground() }
            let unvouched = try await Self.session(daemon, ["verdict \(waited.ticketID) confirm operator said so"])
            #expect(unvouched.contains("central has not vouched for this clock"), "\(unvouched)")

            try await central.start()
            let client = daemon.client(port: port)
            _ = try await Convergence.wait(daemon: client, central: central)
            let output = try await Self.session(daemon, [
                "verdict \(recent.ticketID) void customer asked",
                "verdict \(waited.ticketID) maybe",
                "verdict \(waited.ticketID) void operator ref 4471",
                "verdict \(waited.ticketID) confirm again",
            ])
            #expect(output.contains("central's verdict may still come"), "\(output)")
            #expect(output.contains("usage: verdict"), "\(output)")
            #expect(output.contains("ticket \(waited.ticketID) voided by hand; it is now voided, owed 3.00 GBP"), "\(output)")
            #expect(output.contains("ticket \(waited.ticketID) is not awaiting a verdict from central"), "a second one is refused: \(output)")

            let view = try await client.send(.GET, "/v1/tickets/\(waited.ticketID)").decode(TicketView.self)
            #expect(view.status == .voided && view.verdict == "voided")
            #expect(view.voidReason?.contains("entered at the console by tech: operator ref 4471") == true, "\(String(describing: view.voidReason))")
            let alert = try await hook.first("verdict.manual")
            #expect(alert?.contains("tech entered a voided verdict on ticket \(waited.ticketID)") == true, "\(String(describing: alert))")
            let alerts = try await central.alerts(waitingFor: "manual-verdict")
            #expect(alerts.contains("manual-verdict ticket \(waited.ticketID)"), "\(alerts)")
        }
    }
}
