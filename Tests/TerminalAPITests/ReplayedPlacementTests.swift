import Testing
import TerminalClient
import TerminalProtocol
import Wagering

/// A kiosk that retries a placement late (a lost answer, a reboot) must see where its ticket
/// stands, not "open" for a ticket already paid or lost (issue 24, smaller holes).
@Suite("Terminal API: a retried placement answers where the ticket stands now")
struct ReplayedPlacementTests {
    @Test("a retry after the ticket won, was paid, or lost answers that status and amount")
    func retryAfterSettlement() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        let winning = Slips.single("r1-a", on: board, stake: 1_000)
        let losing = Slips.single("r1-b", on: board, stake: 300)
        guard case .success(let won) = try await kiosk.place(winning), case .success(let lost) = try await kiosk.place(losing) else {
            Issue.record("placement refused"); return
        }
        #expect(won.status == .open && lost.status == .open)
        try await appliance.service.journal.apply(.result(MarketResult(marketID: "r1", outcomes: ["r1-a": .win])))

        let wonRetry = try await kiosk.place(winning).get()
        #expect(wonRetry.replayed == true && wonRetry.ticketId == won.ticketId)
        #expect(wonRetry.status == .won && wonRetry.amount.minorUnits == 2_000)
        let lostRetry = try await kiosk.place(losing).get()
        #expect(lostRetry.replayed == true && lostRetry.status == .lost && lostRetry.amount.minorUnits == 0)

        _ = try await appliance.client("staff-1").payout(won.ticketId, securityCode: try #require(won.securityCode)).get()
        let paidRetry = try await kiosk.place(winning).get()
        #expect(paidRetry.status == .paid && paidRetry.amount.minorUnits == 2_000)
        await appliance.stop()
    }

    @Test("while intake is closed a retry of a recorded bet is answered its ticket, and a new bet is refused: never 'nothing was recorded' for a bet that was")
    func retryWhileIntakeClosed() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        let placed = Slips.single("r1-a", on: board, stake: 500)
        let first = try await kiosk.place(placed).get()
        appliance.service.intake.close(.power("battery low"))

        let retry = try await kiosk.place(placed).get()
        #expect(retry.replayed && retry.ticketId == first.ticketId && retry.securityCode == first.securityCode)
        guard case .failure(let refused) = try await kiosk.place(Slips.single("r1-b", on: board, stake: 500)) else {
            Issue.record("a new bet was taken with intake closed")
            return
        }
        #expect(refused.kind == .intakeClosedPower, "\(refused)")
        var malformed = Slips.single("r1-b", on: board, stake: 500)
        malformed.stakePerLine = MoneyView(minorUnits: 0, currency: "GBP")
        #expect(try await kiosk.place(malformed).refusal?.type == ProblemType.intakeClosedPower.rawValue, "closed first, whatever the slip")
        #expect(appliance.service.journal.openTicketCount() == 1)
        await appliance.stop()
    }
}
