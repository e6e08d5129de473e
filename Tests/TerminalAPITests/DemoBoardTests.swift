import Foundation
import Testing
import TerminalClient
import TerminalProtocol
import Wagering

/// The demo's races start a fixed time after they are first loaded; a race that has started
/// takes no more bets (issue 24, hole 4), so the demo moves it to start again.
@Suite("The demo board keeps races to bet on", .timeLimit(.minutes(2)))
struct DemoBoardTests {
    @Test("a demo race whose start has passed starts again after the daemon restarts, and takes bets")
    func startedRacesRoll() async throws {
        let daemon = try DaemonFixture()
        _ = try await daemon.start()
        #expect(await daemon.terminate() == 0)
        // As if the demo had been left alone past the race: its start is now a minute ago.
        let journal = try await daemon.openJournal()
        var race = try #require(journal.board().market("k1"))
        race.event.startsAtMillis = Int64(Date().timeIntervalSince1970 * 1_000) - 60_000
        _ = try await journal.apply(.publish(race))
        await journal.close()

        let client = daemon.client(port: try await daemon.start())
        defer { daemon.terminateInBackground() }
        let board = try await client.board()
        let start = try #require(board.markets.first { $0.id == "k1" }?.event.startsAtMillis)
        #expect(start > Int64(Date().timeIntervalSince1970 * 1_000) + 50 * 60_000, "about an hour ahead again, as the board file says")
        _ = try await client.place(Slips.single("k1-a", on: board, stake: 100)).get()
    }
}
