@testable import Appliance
import AsyncHTTPClient
import Foundation
import NIOFoundationCompat
import Testing
import TerminalClient
import TerminalProtocol

@Suite("Terminal API: request signatures")
struct AuthenticationAPITests {
    @Test("unsigned, stale, replayed and wrongly signed requests are refused with 401 and a reason")
    func refusals() async throws {
        // 20 s: a request signed now must still be fresh when a loaded server (a ThreadSanitizer
        // build beside CPU hogs) reads it; the stale ones below are 60 s old.
        let appliance = try await RunningAppliance.start(api: "signature_max_skew_seconds: 20")
        let kiosk = appliance.client("kiosk-1")

        let unsigned = try await kiosk.send(.GET, "/v1/board", sign: false)
        #expect(unsigned.status == 401 && unsigned.problem?.kind == .unauthenticated)
        #expect(unsigned.problem?.detail.contains("X-Holdfast-Terminal") == true)

        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let stale = try await kiosk.send(.GET, "/v1/board", timestampMillis: now - 60_000)
        #expect(stale.status == 401 && stale.problem?.detail.contains("clock") == true)

        let nonce = "nonce-\(UUID().uuidString)"
        #expect(try await kiosk.send(.GET, "/v1/board", nonce: nonce).status == 200)
        let replay = try await kiosk.send(.GET, "/v1/board", nonce: nonce)
        #expect(replay.status == 401 && replay.problem?.detail.contains("replayed") == true)

        // kiosk-1's id with kiosk-2's key.
        let impostor = TerminalClient(baseURL: appliance.baseURL, terminalID: "kiosk-1", secret: appliance.secrets["kiosk-2"]!)
        let forged = try await impostor.send(.GET, "/v1/board")
        #expect(forged.status == 401 && forged.problem?.detail.contains("signature") == true)

        // An unknown terminal gets the same answer as a wrong signature: ids are not disclosed.
        let unknown = TerminalClient(baseURL: appliance.baseURL, terminalID: "kiosk-99", secret: appliance.secrets["kiosk-1"]!)
        let unknownAnswer = try await unknown.send(.GET, "/v1/board").problem?.detail
        #expect(unknownAnswer?.contains("not provisioned here or the signature does not match") == true)
        // Nor by checking the timestamp only for known ids: an unknown one with a stale timestamp
        // hears about the clock too.
        let unknownStale = try await unknown.send(.GET, "/v1/board", timestampMillis: now - 60_000).problem?.detail
        #expect(unknownStale?.contains("from the appliance's clock") == true, "\(unknownStale ?? "no problem")")
        // The signed string holds the header's digits as sent: a "+" or a sign is refused by name.
        var plus = HTTPClientRequest(url: appliance.baseURL + "/v1/board")
        plus.headers.add(name: RequestSignature.terminalHeader, value: "kiosk-1")
        plus.headers.add(name: RequestSignature.timestampHeader, value: "+\(now)")
        plus.headers.add(name: RequestSignature.nonceHeader, value: TerminalClient.freshNonce())
        plus.headers.add(name: RequestSignature.signatureHeader, value: String(repeating: "0", count: 64))
        let plusAnswer = try await HTTPClient.shared.execute(plus, timeout: .seconds(30)) // a hang guard
        let plusProblem = try JSONDecoder().decode(Problem.self, from: Data(buffer: try await plusAnswer.body.collect(upTo: 1 << 16)))
        #expect(plusAnswer.status.code == 401 && plusProblem.detail.contains("digits only"), "\(plusProblem.detail)")

        // Timestamps at the ends of Int64 once overflowed the skew arithmetic and killed the daemon.
        for extreme in [Int64.min, Int64.max, Int64.min + 1] {
            #expect(try await kiosk.send(.GET, "/v1/appliance", timestampMillis: extreme).status == 401)
        }
        #expect(try await kiosk.send(.GET, "/health", sign: false).status == 200)
        await appliance.stop()
    }

    @Test("a signature covers the body and its headers come once: a body changed in flight is refused")
    func bodyIsSigned() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        let body = Array(try JSONEncoder().encode(Slips.single("r1-a", on: board, stake: 100)))
        let timestamp = Int64(Date().timeIntervalSince1970 * 1_000)
        let signature = RequestSignature.sign(secret: appliance.secrets["kiosk-1"]!, method: "POST", path: "/v1/bets",
                                              timestampMillis: timestamp, nonce: "tamper-nonce-1", body: body)
        let tampered = Array(try JSONEncoder().encode(Slips.single("r1-a", on: board, stake: 10_000)))
        let answer = try await kiosk.send(.POST, "/v1/bets", body: tampered, headers: [
            (RequestSignature.terminalHeader, "kiosk-1"), (RequestSignature.timestampHeader, String(timestamp)),
            (RequestSignature.nonceHeader, "tamper-nonce-1"), (RequestSignature.signatureHeader, signature),
        ], sign: false)
        #expect(answer.status == 401)
        #expect(try await appliance.service.journal.headSeq() == 2)

        // The right body and signature, but the nonce header twice: refused, naming the header.
        let repeated = try await kiosk.send(.POST, "/v1/bets", body: body, headers: [
            (RequestSignature.terminalHeader, "kiosk-1"), (RequestSignature.timestampHeader, String(timestamp)),
            (RequestSignature.nonceHeader, "tamper-nonce-1"), (RequestSignature.nonceHeader, "tamper-nonce-1"),
            (RequestSignature.signatureHeader, signature),
        ], sign: false)
        #expect(repeated.status == 401 && repeated.problem?.kind == .unauthenticated)
        #expect(repeated.problem?.detail.contains("\(RequestSignature.nonceHeader) header is given more than once") == true,
                "\(repeated.problem?.detail ?? "no problem")")
        #expect(try await appliance.service.journal.headSeq() == 2)
        let refusals = appliance.service.authFailures.closeWindow()
        #expect(refusals?.byKind == [.badSignature: 1, .repeatedHeader: 1], "\(refusals?.summary ?? "none tallied")")
        await appliance.stop()
    }

    @Test("health and metrics need no signature; the metrics carry the journal's counters")
    func publicEndpoints() async throws {
        let appliance = try await RunningAppliance.start()
        let anyone = appliance.client("kiosk-1")
        #expect(try await anyone.send(.GET, "/health", sign: false).decode(HealthView.self).status == "ok")
        let metrics = try await anyone.send(.GET, "/metrics", sign: false)
        #expect(metrics.status == 200 && metrics.contentType?.hasPrefix("text/plain") == true)
        await appliance.stop()
    }
}
