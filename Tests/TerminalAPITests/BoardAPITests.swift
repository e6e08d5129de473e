import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import TerminalClient
import TerminalProtocol
import Wagering

// Two minutes: room for the stream test's own 60 s bound on the stop below to be what fails.
@Suite("Terminal API: the board and its live stream", .timeLimit(.minutes(2)))
struct BoardAPITests {
    @Test("the board carries an ETag; If-None-Match answers 304 until the board changes")
    func etag() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let first = try await kiosk.send(.GET, "/v1/board")
        let etag = try #require(first.headers.first(name: "ETag"))
        let board = try first.decode(BoardView.self)
        #expect(etag == "\"board-\(board.version)\"")
        #expect(board.markets.map(\.id) == ["r1", "r2"])
        #expect(try await kiosk.send(.GET, "/v1/board", headers: [("If-None-Match", etag)]).status == 304)
        #expect(try await kiosk.send(.GET, "/v1/board", headers: [("If-None-Match", "\"other\", W/\(etag)")]).status == 304)
        #expect(try await kiosk.send(.GET, "/v1/board", headers: [("If-None-Match", "*")]).status == 304)
        try await appliance.service.changeBoard(.setStatus("r2", .suspended, inPlay: nil))
        let changed = try await kiosk.send(.GET, "/v1/board", headers: [("If-None-Match", etag)])
        #expect(changed.status == 200)
        #expect(try changed.decode(BoardView.self).markets.last?.status == .suspended)
        await appliance.stop()
    }

    @Test("the stream sends the board at once and again after a price change")
    func stream() async throws {
        // A long idle timeout, so that only the shutdown can end the stream within the bound below.
        let appliance = try await RunningAppliance.start(api: "idle_timeout_seconds: 300")
        let kiosk = appliance.client("kiosk-1")
        var request = HTTPClientRequest(url: appliance.baseURL + "/v1/board/stream")
        let timestamp = Int64(Date().timeIntervalSince1970 * 1_000)
        let nonce = TerminalClient.freshNonce()
        request.headers.add(name: RequestSignature.terminalHeader, value: "kiosk-1")
        request.headers.add(name: RequestSignature.timestampHeader, value: String(timestamp))
        request.headers.add(name: RequestSignature.nonceHeader, value: nonce)
        request.headers.add(name: RequestSignature.signatureHeader,
                            value: RequestSignature.sign(secret: kiosk.secret, method: "GET", path: "/v1/board/stream",
                                                         timestampMillis: timestamp, nonce: nonce, body: []))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        var events: [BoardView] = []
        var pending = ""
        for try await chunk in response.body {
            pending += String(buffer: chunk)
            while let end = pending.range(of: "\n\n") {
                let event = String(pending[..<end.lowerBound])
                pending = String(pending[end.upperBound...])
                guard let data = event.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }) else { continue }
                events.append(try JSONDecoder().decode(BoardView.self, from: Data(data.dropFirst(6).utf8)))
                if events.count == 1 {
                    try await appliance.service.changeBoard(.changePrice("r1-a", try Odds.parse("9/4")))
                }
            }
            if events.count == 2 { break }
        }
        #expect(events.count == 2)
        #expect(events[1].version > events[0].version)
        #expect(events[1].markets[0].selections[0].price.fractional == "9/4")
        // The stream is still open: a graceful shutdown must end it rather than wait on it.
        let stopping = ContinuousClock.now
        await appliance.stop()
        // A stream the shutdown did not end would hold the stop until the idle timeout closed
        // the connection (300 s); the bound leaves room for the TSan stage on a loaded machine,
        // where this stop once took 10.9 s.
        #expect(ContinuousClock.now - stopping < .seconds(60))
    }
}
