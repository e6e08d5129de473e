import Foundation
import Journal
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Wagering

extension ConsoleSuites {
    /// A verdict central never sends has a way out: a technician enters it at the console, only
    /// once the bet has waited long enough, with a reason, journaled and raised (issue 24).
    @Suite("A verdict entered by hand", .timeLimit(.minutes(2)))
    struct ManualVerdictTests {
        /// The machine's clocks with the wall clock `millis` off.
        struct OffsetClock: JournalClock {
            let millis: Int64
            let system = SystemClock()
            func wallMillis() -> Int64 { system.wallMillis() + millis }
            func monotonicNanos() -> Int64 { system.monotonicNanos() }
        }

        /// A bet taken offline on k1-a, journaled `hoursAgo` ago.
        static func offlineBet(_ daemon: DaemonFixture, key: String, hoursAgo: Int64) async throws -> PlacedBet {
            let journal = try await daemon.openJournal(clock: OffsetClock(millis: -hoursAgo * 3_600_000))
            let slip = BetSlip(kind: .single, legs: [Leg(selectionID: "k1-a", seenOdds: try Odds.parse("2.0"), seenPriceVersion: 0)],
                               stakePerLine: Money(minorUnits: 300, currency: .gbp), oddsChangePolicy: .acceptAny)
            var request = BetRequest(terminalID: "load-kiosk", idempotencyKey: key, slip: slip, requestDigest: Digest256(hashing: Array(key.utf8)))
            request.offline = OfflineTerms(maxStakePerBet: 10_000, maxLiability: 1_000_000, maxBets: 10)
            let bet = try await journal.place(request).bet
            await journal.close()
            return bet
        }

        @Test("refused for a bet that may still be judged or is not awaiting one; entered for one that waited, journaled and raised")
        func enteredByHand() async throws {
            let (console, _) = try ConsoleSuites.ConsoleTransportTests.technicianConfig()
            let hook = try AlertHookScript()
            let daemon = try DaemonFixture(extraConfig: console + "alerts: { command: \(hook.path) }\noffline: { manual_verdict_after_hours: 2 }\n")
            // The demo board is journaled at the first start; the bets go in while the daemon is stopped.
            _ = try await daemon.start()
            #expect(await daemon.terminate() == 0)
            let waited = try await Self.offlineBet(daemon, key: "waited", hoursAgo: 3)
            let recent = try await Self.offlineBet(daemon, key: "recent", hoursAgo: 1)
            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }

            let output = try await TechnicianConsole.session(daemon, [
                "verdict \(recent.ticketID) void customer asked",
                "verdict \(waited.ticketID) maybe",
                "verdict \(waited.ticketID) void central lost the batch",
                "verdict \(waited.ticketID) confirm again",
            ]).replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n  ", with: " ")
            #expect(output.contains("central's verdict may still come"), "\(output)")
            #expect(output.contains("usage: verdict"), "\(output)")
            #expect(output.contains("ticket \(waited.ticketID) voided by hand; it is now voided, owed 3.00 GBP"), "\(output)")
            #expect(output.contains("ticket \(waited.ticketID) is not awaiting a verdict from central"), "a second one is refused: \(output)")

            let ticket = try await client.send(.GET, "/v1/tickets/\(waited.ticketID)")
            let view = try ticket.decode(TicketView.self)
            #expect(view.status == .voided && view.verdict == "voided")
            #expect(view.voidReason?.contains("entered at the console by tech: central lost the batch") == true, "\(String(describing: view.voidReason))")
            #expect(try await client.send(.GET, "/v1/tickets/\(recent.ticketID)").decode(TicketView.self).verdict == "pending")
            let alert = try await hook.first("verdict.manual")
            #expect(alert?.contains("tech entered a voided verdict on ticket \(waited.ticketID)") == true, "\(String(describing: alert))")
        }
    }
}
