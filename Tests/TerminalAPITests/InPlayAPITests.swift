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
        // Central's delays: 5 s on r1, 30 s on r2, long enough that nothing a loaded machine does
        // between the test's steps lets a delay end early.
        for (id, delay) in [("r1", 5), ("r2", 30)] {
            var market = try #require(appliance.service.journal.board().market(MarketID(rawValue: id)))
            market.inPlay = true
            market.betDelaySeconds = delay
            try await appliance.service.changeBoard(.publish(market))
        }
        let board = try await kiosk.board()
        #expect(board.markets.first { $0.id == "r1" }?.betDelaySeconds == 5, "a kiosk counts down the longer delay")

        // Two bets waiting on r2 from kiosk-2: a third from it is refused until one is decided.
        let other = appliance.client("kiosk-2")
        let waiting = [Task { try await other.place(Slips.single("r2-a", on: board, stake: 100)) },
                       Task { try await other.place(Slips.single("r2-b", on: board, stake: 100)) }]
        while appliance.service.delays.pendingCount < 2 { try await Task.sleep(for: .milliseconds(10)) }
        let third = try await other.send(.POST, "/v1/bets", body: Slips.single("r2-a", on: board, stake: 200).jsonBytes())
        #expect(third.status == 429 && third.headers.first(name: "Retry-After") == "5")
        #expect(try JSONDecoder().decode(Problem.self, from: Data(third.body)).kind == .tooManyPendingBets)

        let started = ContinuousClock.now
        let accepted = try await kiosk.place(Slips.single("r1-a", on: board, stake: 100)).get()
        #expect(ContinuousClock.now - started >= .seconds(5))
        #expect(accepted.status == .open && accepted.securityCode != nil && accepted.inPlayDelaySeconds == 5)

        let moved = Slips.single("r1-b", on: board, stake: 100)
        async let movedAnswer = kiosk.place(moved)
        async let keptAnswer = kiosk.place(Slips.single("r1-c", on: board, stake: 100))
        while appliance.service.delays.pendingCount < 4 { try await Task.sleep(for: .milliseconds(10)) }
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
        for task in waiting {
            if case .failure(let pending) = try await task.value { #expect(pending.kind == .betPending) } else { Issue.record("decided early") }
        }
    }

    @Test("stopping with a bet waiting: answered at once, 503 bet-pending naming the ticket, not a refusal that says nothing was recorded")
    func stoppingAnswersBetPending() async throws {
        let appliance = try await RunningAppliance.start(extraConfig: "in_play: { delay_seconds: 30 }")
        let kiosk = appliance.client("kiosk-1")
        try await appliance.service.changeBoard(.setStatus("r2", .open, inPlay: true))
        let board = try await kiosk.board()
        #expect(board.markets.first { $0.id == "r1" }?.betDelaySeconds == nil, "no delay before the off")
        #expect(board.markets.first { $0.id == "r2" }?.betDelaySeconds == 30, "the venue's floor when central names none")
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
