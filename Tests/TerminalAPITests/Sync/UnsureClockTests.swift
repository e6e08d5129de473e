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
        /// Runs the daemon once, then has its journal written to with the clock an hour ahead
        /// (as a board's does when its clock was right and has since been lost, or was ahead and
        /// was stepped back): the next start, with the true clock, is an hour behind its last
        /// record. The record is a real one, chained and verified like any other.
        static func journalAnHourAhead(_ daemon: DaemonFixture, _ central: CentralFixture) async throws {
            let client = daemon.client(port: try await daemon.start())
            _ = try await Convergence.wait(daemon: client, central: central)
            #expect(await daemon.terminate() == 0)
            let journal = try await daemon.openJournal(clock: HourAheadClock())
            _ = try await journal.apply(.record(category: "test.clock", message: "written with the clock an hour ahead"))
            await journal.close()
        }

        @Test("a boot an hour behind the last record, central away: offline bets are refused naming the clock until a technician confirms it")
        func refusedUntilConfirmed() async throws {
            let central = try CentralFixture()
            try await central.start()
            let (console, _) = try ConsoleSuites.ConsoleTransportTests.technicianConfig()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + "\n" + console)
            try await Self.journalAnHourAhead(daemon, central)

            await central.kill()
            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            let board = try await client.board()
            let refused = try await client.place(Slips.single("k1-a", on: board, stake: 100))
            #expect(refused.refusal?.type == ProblemType.offlineLimit.rawValue && refused.refusal?.detail.contains("offline_clock_unsure") == true,
                    "\(refused)")

            let now = Date()
            // The session wraps long lines at 80 columns; unwrapped here to match whole phrases.
            let answers = try await TechnicianConsole.session(daemon, [
                "clock", "clock confirm \(Self.iso(now.addingTimeInterval(3_600)))", "clock confirm \(Self.iso(now))", "clock",
            ]).replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n  ", with: " ")
            #expect(answers.contains("UNSURE"), "\(answers)")
            #expect(answers.contains("it is not confirmed"), "a reference an hour away is refused: \(answers)")
            #expect(answers.contains("clock confirmed") && answers.contains("offline bets may be timed again"), "\(answers)")
            #expect(answers.contains("standing     trusted"), "\(answers)")
            let taken = try await client.place(Slips.single("k1-a", on: board, stake: 100)).get()
            #expect(taken.takenOffline == true)
        }

        @Test("a boot an hour behind the last record, central back: once central answers, offline bets are taken again")
        func settledByCentral() async throws {
            let central = try CentralFixture()
            try await central.start()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection())
            try await Self.journalAnHourAhead(daemon, central)

            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            _ = try await Offline.waitForState("online", client)
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

/// The machine's clocks, the wall clock an hour ahead.
private struct HourAheadClock: JournalClock {
    let system = SystemClock()
    func wallMillis() -> Int64 { system.wallMillis() + 3_600_000 }
    func monotonicNanos() -> Int64 { system.monotonicNanos() }
}
