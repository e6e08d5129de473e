import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Wagering

/// `holdfast drill` against a running holdfastd: each scenario prints expected beside observed
/// and succeeds only when everything happened as it should.
@Suite("holdfast drill scenarios", .timeLimit(.minutes(2)))
struct DrillTests {
    @Test("power-loss, low-battery, corrupt-backup and disk-full all go as expected",
          arguments: ["power-loss", "low-battery", "corrupt-backup", "disk-full"])
    func scenario(name: String) async throws {
        let stick = try TemporaryDirectory()
        let daemon = try DaemonFixture(power: "{ source: simulated, final_delay_seconds: 1, shutdown_command: /bin/false }",
                                       extraConfig: "backup: { directory: \(stick.path), every_hours: 0 }\n")
        _ = try await daemon.start()
        defer { daemon.terminateInBackground() }
        let drill = try await runToCompletion(try BuiltProducts.path(of: "holdfast"),
                                              ["drill", name, "--config", daemon.directory.path + "/holdfast.yaml"])
        let text = drill.output
        #expect(drill.status == 0, "\(text)\(drill.errors)")
        let result = text.split(separator: "\n").last ?? ""
        #expect(result.hasPrefix("result: ") && !text.contains("FAIL"), "\(text)")
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text)")
    }

    @Test("during the disk-full drill a bet is refused naming the full disk, readiness fails and the alert runs; after it, all recovers")
    func diskFullDrillAsATerminalSeesIt() async throws {
        let hook = try AlertHookScript()
        let daemon = try DaemonFixture(extraConfig: "alerts: { command: \(hook.path) }\n")
        let client = daemon.client(port: try await daemon.start())
        var running = true
        defer { if running { daemon.terminateInBackground() } }
        let board = try await client.board()
        guard case .success(let before) = try await client.place(Slips.single("k1-a", on: board, stake: 100)) else {
            throw TestFailure("the first bet was refused")
        }

        let control = daemon.dataDirectory + "/control.sock"
        let filled = try Command.run("/usr/bin/curl", ["-sS", "--unix-socket", control, "-X", "POST", "http://holdfastd/drill/disk-full"])
        #expect(filled.contains("refusal") && filled.contains("full"), "\(filled)")
        guard case .failure(let refused) = try await client.place(Slips.single("k1-a", on: board, stake: 100)) else {
            throw TestFailure("a bet was acknowledged while the journal could not grow")
        }
        #expect(refused.type == ProblemType.journalUnavailable.rawValue && refused.detail.contains("full"), "\(refused)")
        let notReady = try await client.send(.GET, "/ready")
        #expect(notReady.status == 503 && String(decoding: notReady.body, as: UTF8.self).contains("the journal cannot write"),
                "\(String(decoding: notReady.body, as: UTF8.self))")
        let alert = try await hook.first("journal.cannot_write")
        #expect(alert?.contains("full") == true, "the local hook ran for the journal: \(alert ?? "no journal.cannot_write alert")")

        _ = try Command.run("/usr/bin/curl", ["-sS", "--unix-socket", control, "-X", "POST", "http://holdfastd/drill/end"])
        guard case .success(let after) = try await client.place(Slips.single("k1-a", on: board, stake: 100)) else {
            throw TestFailure("bets are still refused after the drill")
        }
        // The alarm is checked every 500 ms: asked for up to 60 s, for a loaded machine.
        var alertJournaled = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !alertJournaled, ContinuousClock.now < deadline {
            let status = try Command.run("/usr/bin/curl", ["-sS", "--unix-socket", control, "http://holdfastd/journal"])
            alertJournaled = status.contains("\"alertRaised\":false")
            if !alertJournaled { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(alertJournaled, "the alert's record is journaled once the journal writes again")
        #expect(try await client.send(.GET, "/ready").status == 200)
        #expect(await daemon.terminate() == 0)
        running = false

        let verified = try Command.run(try BuiltProducts.path(of: "holdfast"), ["journal", "verify", "--full", "--data-dir", daemon.dataDirectory])
        #expect(verified.contains("journal OK"), "\(verified)")
        let journal = try await daemon.openJournal()
        for ticket in [before, after] {
            #expect(try await journal.ticket(try TicketID(parsing: ticket.ticketId)) != nil, "acknowledged ticket \(ticket.ticketId) is missing")
        }
        let records = try await journal.records(after: 0, limit: 100_000)
        let text = records.map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(text.contains { $0.contains("journal.cannot_write") && $0.contains("full") },
                "the alert's record is journaled for central once the journal writes again")
        await journal.close()
    }
}
