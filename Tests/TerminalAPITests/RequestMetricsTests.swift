import Foundation
import TerminalClient
import TerminalProtocol
import Testing

/// The daemon's own process, because only holdfastd bootstraps swift-metrics with Prometheus.
@Suite("holdfastd counts requests by route and status", .timeLimit(.minutes(1)))
struct RequestMetricsTests {
    @Test("a placed bet, a replay and a malformed slip each count under their route and status, with a duration; the WAL's length and the head are exported")
    func countsByRouteAndStatus() async throws {
        let daemon = try DaemonFixture()
        defer { daemon.terminateInBackground() }
        let kiosk = daemon.client(port: try await daemon.start())
        let board = try await kiosk.board()
        let selection = board.markets[0].selections[0]
        let slip = PlaceBetRequest(idempotencyKey: "metrics-1", type: "single",
                                   legs: [LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion)],
                                   stakePerLine: MoneyView(minorUnits: 100, currency: "GBP"), oddsChangePolicy: .exact)
        #expect(try await kiosk.send(.POST, "/v1/bets", body: slip.jsonBytes()).status == 201)
        #expect(try await kiosk.send(.POST, "/v1/bets", body: slip.jsonBytes()).status == 200)
        #expect(try await kiosk.send(.POST, "/v1/bets", body: Array("{\"type\":".utf8)).status == 400)

        let text = String(decoding: try await kiosk.send(.GET, "/metrics", sign: false).body, as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        func count(_ name: String, status: Int) -> Int? {
            lines.first { $0.hasPrefix(name + "{") && $0.contains("http_route=\"/v1/bets\"") && $0.contains("\"\(status)\"") }
                .flatMap { $0.split(separator: " ").last.flatMap { Int($0) } }
        }
        #expect(count("hb_requests", status: 201) == 1, "\(text)")
        #expect(count("hb_requests", status: 200) == 1)
        #expect(count("hb_requests", status: 400) == 1)
        #expect(count("hb_request_errors", status: 400) == 1, "a refusal counts as an error")
        #expect(count("hb_request_errors", status: 201) == 0)
        #expect(count("http_server_request_duration_count", status: 201) == 1)
        #expect(lines.contains { $0.hasPrefix("http_server_active_requests") })
        // The WAL's length after the last commit (WALCheckpointer): the bet was written to it.
        func gauge(_ name: String) -> Double? {
            lines.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        #expect((gauge("holdfast_journal_wal_pages") ?? 0) > 0, "\(text)")
        #expect((gauge("holdfast_journal_head_seq") ?? 0) > 0, "the journal's head after the last commit")
    }
}
