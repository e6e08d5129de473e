import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Journal

extension SyncSuites {
    /// Issue 24, hole 3: a board that boots with a clock behind its journal cannot time offline
    /// bets, so it takes none until central answers or a technician confirms the time. Against
    /// the real holdfast-central and PostgreSQL.
    @Suite("A start with a clock behind the journal", .timeLimit(.minutes(3)))
    struct UnsureClockTests {
        /// Runs the daemon once, then has its journal written to with the clock `aheadMillis`
        /// ahead (as a board's is when its clock was right and has since been lost, or was ahead
        /// and was stepped back): the next start, with the true clock, is behind its last record.
        /// The record is a real one, chained and verified like any other. Answers its time.
        static func journalAhead(_ daemon: DaemonFixture, _ central: CentralFixture, millis aheadMillis: Int64) async throws -> Date {
            let client = daemon.client(port: try await daemon.start())
            _ = try await Convergence.wait(daemon: client, central: central)
            #expect(await daemon.terminate() == 0)
            let journal = try await daemon.openJournal(clock: AheadClock(millis: aheadMillis))
            let written = Date().addingTimeInterval(Double(aheadMillis) / 1_000)
            _ = try await journal.apply(.record(category: "test.clock", message: "written with the clock \(aheadMillis) ms ahead"))
            await journal.close()
            return written
        }

        @Test("a boot behind the last record, central away: offline bets are refused naming the clock until a technician confirms a time past it")
        func refusedUntilConfirmed() async throws {
            let central = try CentralFixture()
            try await central.start()
            let (console, _) = try ConsoleSuites.ConsoleTransportTests.technicianConfig()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + "\n" + console)
            // 30 s ahead: the restart comes well before the true time reaches the record, even on a
            // loaded machine; the test then waits for it to pass, as a technician setting the clock.
            let lastWritten = try await Self.journalAhead(daemon, central, millis: 30_000)

            await central.kill()
            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            let board = try await client.board()
            let refused = try await client.place(Slips.single("k1-a", on: board, stake: 100))
            #expect(refused.refusal?.type == ProblemType.offlineLimit.rawValue && refused.refusal?.detail.contains("offline_clock_unsure") == true,
                    "\(refused)")

            // The session wraps long lines at 80 columns; unwrapped here to match whole phrases.
            func session(_ commands: [String]) async throws -> String {
                try await TechnicianConsole.session(daemon, commands).replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n  ", with: " ")
            }
            let early = try await session(["clock", "clock confirm \(Self.iso(lastWritten.addingTimeInterval(-2)))",
                                           "clock confirm \(Self.iso(Date().addingTimeInterval(3_600)))"])
            #expect(early.contains("UNSURE"), "\(early)")
            #expect(early.contains("before this appliance's last written time"), "a time before the journal's last record is refused: \(early)")
            #expect(early.contains("from the time you gave; it is not confirmed"), "a reference an hour away is refused: \(early)")
            #expect(try await client.place(Slips.single("k1-a", on: board, stake: 100)).refusal != nil, "nothing confirmed yet")

            // The true time passes the last record, as it does once a technician sets the clock.
            while Date() < lastWritten.addingTimeInterval(1) { try await Task.sleep(for: .milliseconds(200)) }
            let confirmed = try await session(["clock confirm \(Self.iso(Date()))", "clock"])
            #expect(confirmed.contains("clock confirmed") && confirmed.contains("offline bets may be timed again"), "\(confirmed)")
            #expect(confirmed.contains("standing     trusted"), "\(confirmed)")
            let taken = try await client.place(Slips.single("k1-a", on: board, stake: 100)).get()
            #expect(taken.takenOffline == true)
        }

        @Test("a boot an hour behind the last record, central back: unsure at start, trusted once central answers, then offline bets are taken")
        func settledByCentral() async throws {
            let central = try CentralFixture()
            try await central.start()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection())
            _ = try await Self.journalAhead(daemon, central, millis: 3_600_000)

            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            _ = try await Offline.waitForState("online", client)
            _ = try await Convergence.wait(daemon: client, central: central)
            let events = try central.postgres.psql("""
                SELECT string_agg(convert_from(payload, 'UTF8')::jsonb->>'category', ',' ORDER BY seq) FROM journal_records
                WHERE kind = 'appliance.event' AND convert_from(payload, 'UTF8')::jsonb->>'category' LIKE 'clock.%'
                """)
            #expect(events == "clock.unsure,clock.trusted", "unsure at start, then settled by central's answer: \(events)")
            await central.kill()
            _ = try await Offline.waitForState("offline", client)
            let board = try await client.board()
            let taken = try await client.place(Slips.single("k1-a", on: board, stake: 100)).get()
            #expect(taken.takenOffline == true, "central answered this run: the clock is trusted")
        }

        static func iso(_ date: Date) -> String {
            ISO8601DateFormatter().string(from: date)
        }
    }
}

/// The machine's clocks, the wall clock ahead by `millis`.
private struct AheadClock: JournalClock {
    let millis: Int64
    let system = SystemClock()
    func wallMillis() -> Int64 { system.wallMillis() + millis }
    func monotonicNanos() -> Int64 { system.monotonicNanos() }
}
