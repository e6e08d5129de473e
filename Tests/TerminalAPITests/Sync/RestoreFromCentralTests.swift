import Foundation
import Testing
import TestSupport
import TerminalProtocol

extension SyncSuites {
    @Suite("Restore from central's copy", .timeLimit(.minutes(2)))
    struct RestoreFromCentralTests {
        @Test("a dead appliance's journal is rebuilt from central, verifies, and goes on without a fork")
        func restoreFromCentral() async throws {
            let central = try CentralFixture()
            try await central.start()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection())
            var client = daemon.client(port: try await daemon.start())
            _ = try await Offline.waitForState("online", client)
            let board = try await client.board()
            var tickets: [String] = []
            var codes: [String: String] = [:]
            for _ in 0..<5 {
                let ticket = try await client.place(Slips.single("k1-a", on: board, stake: 300)).get()
                tickets.append(ticket.ticketId)
                codes[ticket.ticketId] = ticket.securityCode
            }
            let head = try await Convergence.wait(daemon: client, central: central)
            // As each ticket stands once decided: one slow answer on a loaded machine takes a bet
            // offline, and central voids it (the demo board is not central's).
            var before: [String: TicketView] = [:]
            for ticket in tickets {
                before[ticket] = try await Feed.waitForTicket(client, ticket) { $0.verdict != "pending" }
            }
            #expect(await daemon.terminate() == 0)
            // What central holds once the daemon has stopped: the agreed head, or more if the
            // uplink journaled a state change after it (one slow answer on a loaded machine does).
            let held = try central.highWater()
            #expect(held >= head, "central holds \(held) of the \(head) records the heads agreed on")
            let keyEscrow = try TemporaryDirectory()
            try FileManager.default.copyItem(atPath: daemon.dataDirectory + "/ticket.key", toPath: keyEscrow.path + "/ticket.key")

            // The SD card dies: the data directory is gone.
            try FileManager.default.removeItem(atPath: daemon.dataDirectory)
            let restore = try Command.run(try BuiltProducts.path(of: "holdfast"), [
                "restore", "--from-central", "--ticket-key", keyEscrow.path + "/ticket.key", "--config", daemon.directory.path + "/holdfast.yaml",
            ])
            #expect(restore.contains("restored and verified: \(held) records, chain intact to seq \(held)"), "\(restore)")

            client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            for ticket in tickets {
                let view = try await client.send(.GET, "/v1/tickets/\(ticket)").decode(TicketView.self)
                #expect(view.status == before[ticket]?.status && view.amount == before[ticket]?.amount, "\(ticket) is back as it was")
                let answer = try await client.send(.POST, "/v1/tickets/\(ticket)/validate",
                                                   body: Array(JSONEncoder().encode(SecurityCodeRequest(securityCode: codes[ticket]!))))
                #expect(try answer.decode(ValidationView.self).valid, "with the escrowed ticket key, the printed code still checks")
            }
            // The same chain goes on: central takes the next records without a gap or a fork.
            _ = try await client.place(Slips.single("k1-a", on: try await client.board(), stake: 300)).get()
            let after = try await Convergence.wait(daemon: client, central: central)
            #expect(after > held)
            #expect(try central.recordCounts(upTo: after) == (after, after, after))
            #expect(try central.openAlerts().allSatisfy { !$0.contains("fork") && !$0.contains("gap") })
            try central.verify()
        }
    }
}
