import Foundation
import Testing
import TerminalClient
import TerminalProtocol
import Wagering

@Suite("Terminal API: tickets, payout and void")
struct TicketAPITests {
    @Test("two staff terminals paying one winning ticket at once: exactly one is paid")
    func concurrentPayout() async throws {
        let appliance = try await RunningAppliance.start()
        let board = try await appliance.client("kiosk-1").board()
        guard case .success(let ticket) = try await appliance.client("kiosk-1").place(Slips.single("r1-a", on: board, stake: 1_000)) else {
            Issue.record("placement refused"); return
        }
        try await appliance.service.journal.apply(.result(MarketResult(marketID: "r1", outcomes: ["r1-a": .win])))
        let code = try #require(ticket.securityCode)
        let outcomes = try await withThrowingTaskGroup(of: Result<TicketView, Problem>.self) { group in
            for round in 0..<10 {
                let staff = appliance.client(round % 2 == 0 ? "staff-1" : "staff-2")
                group.addTask { try await staff.payout(ticket.ticketId, securityCode: code) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let paid = outcomes.compactMap { try? $0.get() }
        #expect(paid.count == 1)
        #expect(paid.first?.status == .paid && paid.first?.amount.minorUnits == 2_000)
        let refusals = outcomes.compactMap { if case .failure(let problem) = $0 { problem } else { nil } }
        #expect(refusals.count == 9 && refusals.allSatisfy { $0.kind == .ticketNotPayable })
        await appliance.stop()
    }

    @Test("validation checks the code without paying; a wrong code is refused at payout")
    func validateThenPay() async throws {
        let appliance = try await RunningAppliance.start()
        let staff = appliance.client("staff-1")
        let board = try await staff.board()
        guard case .success(let ticket) = try await staff.place(Slips.single("r2-b", on: board, stake: 400)) else {
            Issue.record("placement refused"); return
        }
        try await appliance.service.journal.apply(.result(MarketResult(marketID: "r2", outcomes: ["r2-b": .win])))
        let good = try await staff.send(.POST, "/v1/tickets/\(ticket.ticketId)/validate",
                                        body: Array(JSONEncoder().encode(SecurityCodeRequest(securityCode: ticket.securityCode!))))
        let validation = try good.decode(ValidationView.self)
        #expect(validation.valid && validation.status == .won && validation.amount.minorUnits == 1_400)
        guard case .failure(let wrong) = try await staff.payout(ticket.ticketId, securityCode: "0000-0000-0000") else {
            Issue.record("a wrong code was paid"); return
        }
        #expect(wrong.kind == .securityCodeMismatch && wrong.status == 403)
        // A mistyped ticket id is caught by its check character.
        let typo = String(ticket.ticketId.dropLast()) + (ticket.ticketId.last == "0" ? "1" : "0")
        #expect(try await staff.send(.GET, "/v1/tickets/\(typo)").problem?.kind == .ticketNotFound)
        await appliance.stop()
    }

    @Test("staff void within the window; kiosks may not void; after the window it is refused")
    func voids() async throws {
        let appliance = try await RunningAppliance.start(voidWindowSeconds: 0)
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        guard case .success(let ticket) = try await kiosk.place(Slips.single("r1-b", on: board)) else {
            Issue.record("placement refused"); return
        }
        let body = Array(try JSONEncoder().encode(VoidRequest(reason: "wrong selection")))
        #expect(try await kiosk.send(.POST, "/v1/tickets/\(ticket.ticketId)/void", body: body).problem?.kind == .forbiddenRole)
        try await Task.sleep(for: .milliseconds(20))
        let late = try await appliance.client("staff-1").send(.POST, "/v1/tickets/\(ticket.ticketId)/void", body: body)
        #expect(late.problem?.kind == .voidWindowPassed)
        await appliance.stop()

        let generous = try await RunningAppliance.start()
        let kiosk2 = generous.client("kiosk-1")
        guard case .success(let second) = try await kiosk2.place(Slips.single("r1-b", on: try await kiosk2.board())) else {
            Issue.record("placement refused"); return
        }
        let voided = try await generous.client("staff-1").send(.POST, "/v1/tickets/\(second.ticketId)/void", body: body)
        #expect(voided.status == 200)
        let view = try voided.decode(TicketView.self)
        #expect(view.status == .voided && view.amount.minorUnits == 500)
        let lookedUp = try await generous.client("staff-1").send(.GET, "/v1/tickets/\(second.ticketId)").decode(TicketView.self)
        #expect(view.voidReason == "wrong selection" && lookedUp == view, "the void's answer is the ticket as a lookup shows it")
        await generous.stop()
    }

    @Test("a kiosk sees its own tickets only; staff see all")
    func lookupByRole() async throws {
        let appliance = try await RunningAppliance.start()
        let board = try await appliance.client("kiosk-1").board()
        guard case .success(let ticket) = try await appliance.client("kiosk-1").place(Slips.single("r1-a", on: board)) else {
            Issue.record("placement refused"); return
        }
        let own = try await appliance.client("kiosk-1").send(.GET, "/v1/tickets/\(ticket.ticketId)")
        let ownView = try own.decode(TicketView.self)
        #expect(own.status == 200 && ownView.securityCode == nil)
        #expect(try await appliance.client("kiosk-2").send(.GET, "/v1/tickets/\(ticket.ticketId)").problem?.kind == .ticketNotFound)
        #expect(try await appliance.client("staff-2").send(.GET, "/v1/tickets/\(ticket.ticketId)").status == 200)
        let encoded = ticket.ticketId.replacingOccurrences(of: "-", with: "%2D")
        #expect(try await appliance.client("staff-2").send(.GET, "/v1/tickets/\(encoded)").status == 200)
        await appliance.stop()
    }
}
