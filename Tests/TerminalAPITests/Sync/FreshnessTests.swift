import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Uplink

extension SyncSuites {
    /// The WAN-cut attack of issue 24 (hole 2), against the real holdfast-central and PostgreSQL:
    /// an online bet is one central could have stopped (docs/adr/0013-online-means-fresh.md).
    @Suite("Online means fresh: no window with online limits and no verdict", .timeLimit(.minutes(2)))
    struct FreshnessTests {
        @Test("central hung just before a bet: from the freshness bound on, the bet carries the offline terms and central judges it")
        func hungCentral() async throws {
            let central = try CentralFixture()
            try await central.start()
            // The appliance's default bound (10 s), and requests that outlast it: nothing fails,
            // so only the bound can take the link offline. Before it, a 60 s grace period kept the
            // link "degraded", and bets under the online limits, for a minute.
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection(requestTimeoutMillis: 30_000, freshnessSeconds: nil) + """

                offline: { max_stake_per_bet: "5.00", max_offline_seconds: 3600 }
                """)
            let client = daemon.client(port: try await daemon.start())
            defer {
                central.freeze(false)
                daemon.terminateInBackground()
            }
            _ = try await Convergence.wait(daemon: client, central: central)
            let board = try await client.board()

            // Hung, not dead: connections are accepted and never answered, so no request fails
            // before its timeout. The attacker bets as soon as the bound allows, without waiting
            // for the appliance to say it is offline: the bound itself is the promise.
            central.freeze(true)
            try await Task.sleep(for: UplinkSettings.defaultFreshness + .milliseconds(200))
            let overCap = try await client.place(Slips.single("k1-a", on: board, stake: 600))
            #expect(overCap.refusal?.limit?.name == "offline_max_stake_per_bet", "a bet above the offline cap, under online limits: \(overCap)")
            let taken = try await client.place(Slips.single("k1-a", on: board, stake: 200)).get()
            #expect(taken.takenOffline == true && taken.verdict == "pending", "\(taken)")

            // Central, back, judges it: the bet reached it flagged as taken offline.
            central.freeze(false)
            let judged = try await Feed.waitForTicket(client, taken.ticketId) { $0.verdict != nil && $0.verdict != "pending" }
            // The demo board is not central's: judged, the bet is voided as an unknown market.
            #expect(judged.verdict == "voided" && judged.voidReason?.contains("unknown_market") == true, "\(judged)")
            let flagged = try central.postgres.psql("""
                SELECT convert_from(payload, 'UTF8')::jsonb->>'takenOffline' FROM journal_records
                WHERE kind = 'bet.placed' AND convert_from(payload, 'UTF8')::jsonb->>'ticketID' = '\(taken.ticketId)'
                """)
            #expect(flagged == "true")
        }
    }
}
