import Foundation
import Testing
import TerminalClient
import TerminalProtocol
import Wagering

/// In-play bets over the API of a standalone appliance, which decides from its own board after
/// the delay (docs/adr/0014-in-play-delay.md). The sync suites cover the same with central.
@Suite("In-play bets over the terminal API", .timeLimit(.minutes(2)))
struct InPlayAPITests {
    @Test("answered after the delay; a price moved inside it: 409 with the reason, repeated to a retry; a third waiting bet: 429")
    func decidedOnTheRequest() async throws {
        let appliance = try await RunningAppliance.start(extraConfig: "in_play: { delay_seconds: 1 }")
        let kiosk = appliance.client("kiosk-1")
        try await appliance.service.changeBoard(.setStatus("r1", .open, inPlay: true))
        let board = try await kiosk.board()
        #expect(board.markets.first { $0.id == "r1" }?.betDelaySeconds == 1, "a kiosk counts down the venue's floor")
        #expect(board.markets.first { $0.id == "r2" }?.betDelaySeconds == nil, "no delay before the off")

        let started = ContinuousClock.now
        let accepted = try await kiosk.place(Slips.single("r1-a", on: board, stake: 100)).get()
        #expect(ContinuousClock.now - started >= .seconds(1))
        #expect(accepted.status == .open && accepted.securityCode != nil && accepted.inPlayDelaySeconds == 1)

        let moved = Slips.single("r1-b", on: board, stake: 100)
        async let movedAnswer = kiosk.place(moved)
        async let keptAnswer = kiosk.place(Slips.single("r1-c", on: board, stake: 100))
        while appliance.service.delays.pendingCount < 2 { try await Task.sleep(for: .milliseconds(10)) }
        let third = try await kiosk.send(.POST, "/v1/bets", body: Slips.single("r1-a", on: board, stake: 100).jsonBytes())
        #expect(third.status == 429 && third.headers.first(name: "Retry-After") == "5")
        #expect(try JSONDecoder().decode(Problem.self, from: Data(third.body)).kind == .tooManyPendingBets)
        try await appliance.service.changeBoard(.changePrice("r1-b", try Odds.parse("3.5")))

        guard case .failure(let declined) = try await movedAnswer else {
            Issue.record("a bet whose price moved in the delay was accepted")
            return
        }
        #expect(declined.kind == .betDeclinedInDelay && declined.declineReason == "price_changed_in_delay", "\(declined.detail)")
        #expect(try await keptAnswer.get().status == .open)
        guard case .failure(let again) = try await kiosk.place(moved) else {
            Issue.record("a retry of a declined bet was accepted")
            return
        }
        #expect(again.ticketId == declined.ticketId && again.declineReason == declined.declineReason)
        await appliance.stop()
    }

    @Test("stopping with a bet waiting: answered at once, 503 bet-pending naming the ticket, not a refusal that says nothing was recorded")
    func stoppingAnswersBetPending() async throws {
        let appliance = try await RunningAppliance.start(extraConfig: "in_play: { delay_seconds: 30 }")
        let kiosk = appliance.client("kiosk-1")
        try await appliance.service.changeBoard(.setStatus("r2", .open, inPlay: true))
        let board = try await kiosk.board()
        async let answer = kiosk.send(.POST, "/v1/bets", body: Slips.single("r2-a", on: board, stake: 100).jsonBytes())
        while appliance.service.delays.pendingCount < 1 { try await Task.sleep(for: .milliseconds(10)) }
        let stopping = ContinuousClock.now
        await appliance.stop()
        let pending = try await answer
        #expect(ContinuousClock.now - stopping < .seconds(15), "the drain did not wait out the 30 s delay")
        #expect(pending.status == 503 && pending.headers.first(name: "Retry-After") == "5")
        let problem = try JSONDecoder().decode(Problem.self, from: Data(pending.body))
        #expect(problem.kind == .betPending && problem.ticketId != nil, "\(problem.detail)")
    }
}
