import PropertyBased
import Testing
@testable import Wagering

/// The exposure worked out from scratch from the book's open tickets: each line's return floored
/// on its own, counted in full on every selection of the line; single-line stakes kept per market.
struct ReferenceExposure: Equatable {
    var winReturn: [SelectionID: Int64] = [:]
    var lineStake: [SelectionID: Int64] = [:]
    var singleStake: [MarketID: Int64] = [:]

    init(openTicketsOf book: Book) {
        for state in book.tickets.values where state.status == .open {
            let bet = state.terms
            let n = bet.legs.count
            let lines: [[Int]] = switch bet.kind {
            case .single: [[0]]
            case .accumulator: [Array(0..<n)]
            case .system(let system): system.lineSizes(selectionCount: n).flatMap { referenceCombinations(n, size: $0) }
            }
            let odds = bet.legs.map { Ratio($0.odds) }
            let stake = bet.stakePerLine
            for line in lines {
                let lineReturn = Int64(referenceReturn(stake: stake, lines: [line], factors: odds))
                for leg in line {
                    winReturn[bet.legs[leg].selectionID, default: 0] += lineReturn
                    lineStake[bet.legs[leg].selectionID, default: 0] += stake
                }
                if line.count == 1 { singleStake[bet.legs[line[0]].marketID, default: 0] += stake }
            }
        }
    }

    func marketLiability(_ market: Market) -> Int64 {
        (market.selections.map { winReturn[$0.id, default: 0] }.max() ?? 0) - singleStake[market.id, default: 0]
    }
}

func expectExposureMatchesOpenTickets(_ book: Book, sourceLocation: SourceLocation = #_sourceLocation) {
    let reference = ReferenceExposure(openTicketsOf: book)
    #expect(book.exposure.winReturn == reference.winReturn, sourceLocation: sourceLocation)
    #expect(book.exposure.lineStake == reference.lineStake, sourceLocation: sourceLocation)
    #expect(book.exposure.singleStake == reference.singleStake, sourceLocation: sourceLocation)
    for selection in Set(reference.winReturn.keys).union(book.exposure.winReturn.keys) {
        #expect(book.exposure.selectionLiability(selection)
                == reference.winReturn[selection, default: 0] - reference.lineStake[selection, default: 0],
                sourceLocation: sourceLocation)
    }
    for market in book.board.markets.values {
        #expect(book.exposure.marketLiability(market) == reference.marketLiability(market), sourceLocation: sourceLocation)
    }
    var openStake: [TerminalID: Int64] = [:]
    for state in book.tickets.values where state.status == .open {
        openStake[state.terms.terminalID, default: 0] += state.terms.totalStake
    }
    for terminal in Pool.terminals + ["T1"] {
        #expect(book.openStake(of: terminal) == openStake[terminal, default: 0], sourceLocation: sourceLocation)
    }
    #expect(book.openTicketCount == book.tickets.values.filter { $0.status == .open }.count, sourceLocation: sourceLocation)
}

@Suite("Book: properties over random command sequences")
struct BookPropertyTests {
    @Test("replaying the accepted facts into a fresh book rebuilds the same board, exposure and tickets")
    func replayRebuildsTheBook() async {
        await propertyCheck(count: 150, input: Pool.commands) { commands throws in
            var runner = CommandRunner()
            runner.run(commands)
            var fresh = Book(currency: .gbp, limits: Pool.limits, maxOpenTickets: Pool.maxOpenTickets)
            for fact in runner.applied {
                let replayed = try fresh.replay(fact.event)
                #expect(replayed == fact, "replaying \(fact.event.kind) reports the same changes")
            }
            let original = runner.desk.book
            #expect(fresh.board == original.board)
            #expect(fresh.exposure == original.exposure)
            #expect(fresh.tickets == original.tickets)
            #expect(fresh.openTicketCount == original.openTicketCount)
            for terminal in Pool.terminals { #expect(fresh.openStake(of: terminal) == original.openStake(of: terminal)) }
            #expect(fresh.snapshot == original.snapshot, "internal indexes agree too")
        }
    }

    @Test("replay rebuilds the book when the markets are published first, and the sequences exercise every kind of fact")
    func replayWithBoardPublished() async {
        var factKinds: [String: Int] = [:]
        var refusals: [String: Int] = [:]
        await propertyCheck(count: 100, input: Pool.commands) { commands throws in
            var runner = CommandRunner()
            runner.run(Pool.publishAll + commands)
            var fresh = Book(currency: .gbp, limits: Pool.limits, maxOpenTickets: Pool.maxOpenTickets)
            for fact in runner.applied {
                _ = try fresh.replay(fact.event)
                factKinds[fact.event.kind, default: 0] += 1
            }
            refusals.merge(runner.refusalKinds, uniquingKeysWith: +)
            #expect(fresh.snapshot == runner.desk.book.snapshot)
        }
        // The generator is only useful if it reaches every path.
        for kind in ["market.published", "market.price_changed", "market.status_changed", "market.selection_withdrawn",
                     "bet.placed", "market.resulted", "ticket.voided", "ticket.paid", "appliance.event"] {
            #expect(factKinds[kind, default: 0] > 0, "no \(kind) facts in 100 random sequences")
        }
        #expect(factKinds["bet.placed", default: 0] > 200, "\(factKinds)")
        for refusal in ["oddsChanged", "marketNotOpen", "selectionWithdrawn", "slip(sameEventLegs)", "slip(legCount)",
                        "slip(repeatedSelection)", "securityCodeMismatch", "voidWindowPassed", "ticketNotPayable",
                        "limit(min_stake_per_line)", "limit(terminal_max_stake_per_bet)"] {
            #expect(refusals[refusal, default: 0] > 0, "no \(refusal) refusals in 100 random sequences: \(refusals)")
        }
    }

    @Test("exposure always equals the exposure recomputed from the open tickets, and is zero once every market is resulted")
    func exposureMatchesOpenTickets() async {
        await propertyCheck(count: 150, input: Pool.commands, Gen.int(in: 0...Pool.omitted).array(of: 3 * Pool.markets.count)) { commands, finalOutcomes throws in
            var runner = CommandRunner()
            runner.run(Pool.publishAll)
            for command in commands {
                runner.run(command)
                expectExposureMatchesOpenTickets(runner.desk.book)
            }
            // Result every market still unresulted (reopening closed or suspended ones is not needed).
            for (index, spec) in Pool.markets.enumerated() where runner.desk.book.board.market(spec.id)?.status != .settled {
                runner.run(.result(market: index, outcomes: Array(finalOutcomes[(index * 3)..<(index * 3 + 3)])))
                expectExposureMatchesOpenTickets(runner.desk.book)
            }
            let book = runner.desk.book
            #expect(book.exposure == Exposure())
            #expect(book.openTicketCount == 0)
            #expect(book.ticketsByMarket.isEmpty)
            #expect(book.openStakeByTerminal.isEmpty)
            for state in book.tickets.values {
                #expect(state.status == .won || state.status == .voided)
                #expect(state.amountOwed > 0)
            }
            for market in book.board.markets.values { #expect(book.exposure.marketLiability(market) == 0) }
        }
    }

    @Test("settled returns never exceed the potential return, and every ticket is paid at most once")
    func settledReturnsBounded() async {
        await propertyCheck(count: 100, input: Pool.commands) { commands in
            var runner = CommandRunner()
            runner.run(Pool.publishAll + commands)
            var potential: [TicketID: Int64] = [:]
            var paid: [TicketID: Int] = [:]
            for fact in runner.applied {
                switch fact.event {
                case .betPlaced(let bet): potential[bet.ticketID] = bet.potentialReturn.minorUnits
                case .ticketPaid(let payment): paid[payment.ticketID, default: 0] += 1
                default: break
                }
                for change in fact.tickets where change.status == .won {
                    #expect(change.amount <= potential[change.ticketID, default: 0])
                }
            }
            #expect(paid.values.allSatisfy { $0 == 1 })
        }
    }

    @Test("the same commands always give the same book")
    func deterministic() async {
        await propertyCheck(count: 50, input: Pool.commands) { commands in
            var first = CommandRunner()
            first.run(Pool.publishAll + commands)
            var second = CommandRunner()
            second.run(Pool.publishAll + commands)
            #expect(first.applied == second.applied)
            #expect(first.desk.book.snapshot == second.desk.book.snapshot)
        }
    }
}
