import Foundation
import Testing
import TerminalClient
import TerminalProtocol
import Wagering

@Suite("Terminal API: placing bets over HTTP")
struct PlacementAPITests {
    @Test("a single is accepted with 201 and a ticket; a retry answers 200 with the same ticket and code")
    func placeAndRetry() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        let slip = Slips.single("r1-c", on: board, stake: 1_000, key: "k-1")
        let first = try await kiosk.send(.POST, "/v1/bets", body: Array(JSONEncoder().encode(slip)))
        #expect(first.status == 201)
        let ticket = try first.decode(TicketView.self)
        #expect(ticket.status == .open && !ticket.replayed)
        #expect(ticket.potentialReturn.minorUnits == 2_375) // 10.00 at 11/8
        #expect(ticket.legs.first?.price.fractional == "11/8")
        #expect(ticket.securityCode?.count == 14)

        let retry = try await kiosk.send(.POST, "/v1/bets", body: Array(JSONEncoder().encode(slip)))
        #expect(retry.status == 200)
        let replayed = try retry.decode(TicketView.self)
        #expect(replayed.replayed && replayed.ticketId == ticket.ticketId && replayed.securityCode == ticket.securityCode)
        #expect(try await appliance.service.journal.headSeq() == 3) // two markets, one bet
        await appliance.stop()
    }

    @Test("a reused idempotency key with a different slip is refused and names the ticket it made")
    func idempotencyConflict() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        guard case .success(let ticket) = try await kiosk.place(Slips.single("r1-a", on: board, key: "same")) else {
            Issue.record("first placement refused"); return
        }
        guard case .failure(let problem) = try await kiosk.place(Slips.single("r1-b", on: board, key: "same")) else {
            Issue.record("conflicting placement accepted"); return
        }
        #expect(problem.kind == .idempotencyConflict && problem.status == 409)
        #expect(problem.ticketId == ticket.ticketId)

        // A selection id that spells out another slip's fields is still a different slip.
        guard case .success(let double) = try await kiosk.place(Slips.multiple("accumulator", ["r1-a", "r2-a"], on: board, key: "spoof")) else {
            Issue.record("accumulator refused"); return
        }
        var spoof = Slips.single("r2-a", on: board, key: "spoof")
        spoof.legs[0].selectionId = "r1-a\u{1F}2/1\u{1F}1\u{1E}r2-a"
        spoof.type = "accumulator"
        guard case .failure(let collision) = try await kiosk.place(spoof) else {
            Issue.record("a crafted slip was answered as a replay of \(double.ticketId)"); return
        }
        #expect(collision.kind == .idempotencyConflict)
        // The same slip with the currency in lower case is the same request: a replay.
        var lowerCase = Slips.multiple("accumulator", ["r1-a", "r2-a"], on: board, key: "spoof")
        lowerCase.stakePerLine.currency = "gbp"
        guard case .success(let replay) = try await kiosk.place(lowerCase) else { Issue.record("lower-case currency retry refused"); return }
        #expect(replay.replayed && replay.ticketId == double.ticketId)
        await appliance.stop()
    }

    @Test("moved odds are refused with the current price under 'exact' and taken under 'acceptHigher'")
    func oddsChanged() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let seen = try await kiosk.board()
        try await appliance.service.changeBoard(.changePrice("r1-b", try Odds.parse("4.0")))

        guard case .failure(let problem) = try await kiosk.place(Slips.single("r1-b", on: seen)) else {
            Issue.record("a moved price was accepted under exact"); return
        }
        #expect(problem.kind == .oddsChanged && problem.status == 409)
        let moved = try #require(problem.movedPrices?.first)
        #expect(moved.seenPrice.decimal == "3.00" && moved.currentPrice.decimal == "4.00")
        #expect(moved.currentPriceVersion == moved.seenPriceVersion + 1)
        var patched = seen
        let applied = patched.apply(try #require(problem.movedPrices))
        let fetched = try await kiosk.board()
        #expect(applied && patched.markets == fetched.markets, "the refusal's prices are the board's")
        let elsewhere = MovedPriceView(selectionId: "r9-z", seenPrice: moved.seenPrice, seenPriceVersion: 1,
                                       currentPrice: moved.currentPrice, currentPriceVersion: 2)
        let appliedElsewhere = patched.apply([elsewhere])
        #expect(!appliedElsewhere, "a selection not on the board means fetching it")

        guard case .success(let ticket) = try await kiosk.place(Slips.single("r1-b", on: seen, policy: .acceptHigher)) else {
            Issue.record("a longer price was refused under acceptHigher"); return
        }
        #expect(ticket.legs.first?.price.decimal == "4.00")
        await appliance.stop()
    }

    @Test("an over-limit stake is refused with the limit's name, amount and the attempted amount")
    func limitExceeded() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        guard case .failure(let problem) = try await kiosk.place(Slips.single("r2-a", on: board, stake: 30_000)) else {
            Issue.record("an over-limit bet was accepted"); return
        }
        #expect(problem.kind == .limitExceeded && problem.status == 422)
        #expect(problem.limit?.name == "terminal_max_stake_per_bet")
        #expect(problem.limit?.limit.minorUnits == 20_000)
        #expect(problem.limit?.attempted.minorUnits == 30_000)
        await appliance.stop()
    }

    @Test("accumulators and system bets are placed with their lines")
    func multiples() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        guard case .success(let double) = try await kiosk.place(Slips.multiple("accumulator", ["r1-a", "r2-b"], on: board, stake: 200)) else {
            Issue.record("accumulator refused"); return
        }
        #expect(double.potentialReturn.minorUnits == 1_400) // 2.00 x 2.0 x 3.5
        guard case .failure(let sameRace) = try await kiosk.place(Slips.multiple("accumulator", ["r1-a", "r1-b"], on: board)) else {
            Issue.record("two legs in one race were accepted"); return
        }
        #expect(sameRace.kind == .invalidSlip)
        guard case .failure(let badType) = try await kiosk.place(Slips.multiple("yankee", ["r1-a", "r2-b"], on: board)) else {
            Issue.record("a two-leg yankee was accepted"); return
        }
        #expect(badType.kind == .invalidSlip)
        await appliance.stop()
    }

    @Test("intake closed for power refuses bets with 503 and the power reason")
    func intakeClosedForPower() async throws {
        let appliance = try await RunningAppliance.start()
        let kiosk = appliance.client("kiosk-1")
        let board = try await kiosk.board()
        #expect(try await kiosk.send(.GET, "/ready", sign: false).status == 200)
        appliance.service.intake.close(.power("low battery"))
        guard case .failure(let problem) = try await kiosk.place(Slips.single("r1-a", on: board)) else {
            Issue.record("a bet was taken with intake closed"); return
        }
        #expect(problem.kind == .intakeClosedPower && problem.status == 503)
        let state = try await kiosk.send(.GET, "/v1/appliance").decode(ApplianceStateView.self)
        #expect(state.mode == "shutting_down" && !state.intakeOpen)
        #expect(try await kiosk.send(.GET, "/health", sign: false).decode(HealthView.self).status == "degraded")
        let ready = try await kiosk.send(.GET, "/ready", sign: false)
        let readiness = try ready.decode(ReadinessView.self)
        #expect(ready.status == 503 && !readiness.ready && (readiness.reason ?? "").contains("low battery"))
        await appliance.stop()
    }
}
