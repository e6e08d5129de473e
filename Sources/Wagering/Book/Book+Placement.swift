/// A request to place a bet, as a terminal sent it.
public struct BetRequest: Hashable, Sendable {
    public var terminalID: TerminalID
    public var idempotencyKey: String
    public var slip: BetSlip
    /// SHA-256 of the request body, so a retry with the same key but another slip is caught.
    public var requestDigest: Digest256
    /// Set when the appliance is offline: the bet is also held to these limits.
    public var offline: OfflineTerms?
    /// Set when the appliance may take no new bet offline at all (offline too long, prices too
    /// old). The journal refuses a new bet with it only after looking its key up, so a retry of
    /// a bet taken earlier still gets its ticket.
    public var offlineClosed: OfflineBreach?
    /// Set while the appliance's intake is closed (power, shutdown, integrity): the journal still
    /// answers a retry of a bet it holds (an in-play bet's decision among them), and refuses a new
    /// one after looking its key up, so a retry is never told that nothing was recorded.
    public var newBetsRefused = false
    /// Central's time now as the appliance last heard it, carried on its monotonic clock (nil
    /// before central has answered). An event's start is checked against the later of it and
    /// the wall clock, so a wall clock stepped back cannot reopen a market whose event started.
    public var centralNowMillis: Int64?

    public init(terminalID: TerminalID, idempotencyKey: String, slip: BetSlip, requestDigest: Digest256, offline: OfflineTerms? = nil,
                offlineClosed: OfflineBreach? = nil) {
        self.terminalID = terminalID
        self.idempotencyKey = idempotencyKey
        self.slip = slip
        self.requestDigest = requestDigest
        self.offline = offline
        self.offlineClosed = offlineClosed
    }
}

extension Book {
    /// Checks a bet against the board, the odds-change policy and every limit, then takes it.
    /// `ticketID`, `securityDigest` and `nowMillis` come from the caller (the journal assigns the
    /// serial; randomness and time are injected).
    ///
    /// `admitOffline`, called for a request carrying ``OfflineTerms`` once every other check has
    /// passed and before anything changes, holds the running offline totals (which live outside
    /// the book, since they depend on what central has acknowledged); it refuses by throwing.
    public mutating func place(_ request: BetRequest, ticketID: TicketID, securityDigest: SecurityDigest, nowMillis: Int64,
                               admitOffline: (PlacedBet, OfflineTerms) throws(BookRefusal) -> Void = { _, _ in }) throws(BookRefusal) -> Applied {
        var bet = try price(request, ticketID: ticketID, securityDigest: securityDigest, nowMillis: nowMillis)
        let terms = TicketTerms(bet)
        let contribution: ExposureContribution
        do { contribution = try ExposureContribution(terms) } catch { throw .amountOutOfRange("line return of \(ticketID)") }
        try checkRisk(bet, contribution)
        if let offline = request.offline {
            try checkOffline(bet, offline)
            bet.takenOffline = true
            bet.verdictRequired = true
            try admitOffline(bet, offline)
        }
        bet.inPlayDelay = try inPlayDelay(of: bet)
        let status: TicketStatus = bet.inPlayDelay == nil ? .open : .pending
        insertOpen(ticketID, terms, contribution, status: status, awaitingVerdict: bet.verdictRequired == true)
        if status == .pending { holdPending(bet) }
        return Applied(.betPlaced(bet), tickets: [TicketChange(ticketID: ticketID, status: status, amount: 0)], bets: [terms])
    }

    /// For a bet with an in-play leg, what it waits out: the delay, and every one of its markets
    /// as it stands (pre-match legs' too, so a suspension of any leg declines it). Nil otherwise.
    private func inPlayDelay(of bet: PlacedBet) throws(BookRefusal) -> InPlayDelay? {
        var markets: [Market] = []
        for leg in bet.legs where !markets.contains(where: { $0.id == leg.marketID }) {
            if let market = board.market(leg.marketID) { markets.append(market) }
        }
        let inPlay = markets.filter(\.inPlay)
        guard !inPlay.isEmpty else { return nil }
        let held = pendingByTerminal[bet.terminalID, default: 0]
        guard held < inPlayRules.maxPendingPerTerminal else {
            throw .pendingLimitReached(.perTerminal, held: held, limit: inPlayRules.maxPendingPerTerminal)
        }
        guard pendingBets.count < inPlayRules.maxPending else {
            throw .pendingLimitReached(.appliance, held: pendingBets.count, limit: inPlayRules.maxPending)
        }
        return InPlayDelay(seconds: inPlayRules.delaySeconds(for: inPlay),
                           markets: markets.map { InPlayDelay.MarketMark(marketID: $0.id, changeCount: $0.changeCount, inPlay: $0.inPlay) })
    }

    mutating func holdPending(_ bet: PlacedBet) {
        assert(bet.inPlayDelay != nil, "only a bet with an in-play delay is pending")
        pendingBets[bet.ticketID] = bet
        pendingByTerminal[bet.terminalID, default: 0] += 1
    }

    /// Validates the slip against the board and strikes prices; changes nothing.
    func price(_ request: BetRequest, ticketID: TicketID, securityDigest: SecurityDigest,
               nowMillis: Int64) throws(BookRefusal) -> PlacedBet {
        let slip = request.slip
        do { try slip.validateShape() } catch { throw .slip(error) }
        guard slip.stakePerLine.currency == currency else {
            throw .currencyMismatch(expected: currency, got: slip.stakePerLine.currency)
        }
        var legs: [PlacedLeg] = []
        var moved: [MovedPrice] = []
        for leg in slip.legs {
            guard let market = board.market(containing: leg.selectionID),
                  let selection = market.selection(leg.selectionID)
            else { throw .unknownSelection(leg.selectionID) }
            guard market.status == .open else { throw .marketNotOpen(market.id, market.status) }
            // Past the start only in play, whether or not central's suspension has arrived: the
            // appliance's own clock closes a pre-match market (issue 24, hole 4), or central's
            // as last heard, when that is later.
            guard market.inPlay || max(nowMillis, request.centralNowMillis ?? .min) < market.event.startsAtMillis else {
                throw .eventStarted(market.id, startsAtMillis: market.event.startsAtMillis)
            }
            guard selection.status == .active else { throw .selectionWithdrawn(selection.id) }
            let struck = leg.seenPriceVersion == selection.priceVersion && leg.seenOdds == selection.odds
                ? selection.odds
                : slip.oddsChangePolicy.strike(seen: leg.seenOdds, current: selection.odds)
            guard let struck else {
                moved.append(MovedPrice(selectionID: selection.id, seenOdds: leg.seenOdds, seenPriceVersion: leg.seenPriceVersion,
                                        currentOdds: selection.odds, currentPriceVersion: selection.priceVersion))
                continue
            }
            legs.append(PlacedLeg(selectionID: selection.id, marketID: market.id, eventID: market.event.id,
                                  odds: struck, priceVersion: selection.priceVersion,
                                  seenOdds: leg.seenOdds, seenPriceVersion: leg.seenPriceVersion))
        }
        guard moved.isEmpty else { throw .oddsChanged(moved) }
        if slip.kind != .single { try checkSameEventLegs(legs) }

        let lines = slip.lines()
        let stake = slip.stakePerLine
        let totalStake: Money
        do { totalStake = try stake.multiplied(by: Int64(lines.count)) } catch { throw .amountOutOfRange("total stake") }
        let potential: Int64
        do {
            potential = try Returns.total(stakePerLine: stake.minorUnits, lines: lines, factors: legs.map { LegFactor($0.odds) })
        } catch { throw .amountOutOfRange("potential return") }
        return PlacedBet(ticketID: ticketID, terminalID: request.terminalID, idempotencyKey: request.idempotencyKey,
                         requestDigest: request.requestDigest, kind: slip.kind, legs: legs, stakePerLine: stake,
                         totalStake: totalStake, potentialReturn: Money(minorUnits: potential, currency: currency),
                         oddsChangePolicy: slip.oddsChangePolicy, placedAtMillis: nowMillis, securityDigest: securityDigest)
    }

    /// The offline limits that depend on the bet alone: its stake, and no in-play legs.
    private func checkOffline(_ bet: PlacedBet, _ terms: OfflineTerms) throws(BookRefusal) {
        if let leg = bet.legs.first(where: { board.market($0.marketID)?.inPlay == true }) {
            throw .offline(OfflineBreach(limit: .inPlay, detail: "market '\(leg.marketID)' is in play; no in-play bets while central is unreachable"))
        }
        guard bet.totalStake.minorUnits <= terms.maxStakePerBet else {
            let limit = Money(minorUnits: terms.maxStakePerBet, currency: currency)
            throw .offline(OfflineBreach(limit: .maxStakePerBet, limitAmount: limit, attempted: bet.totalStake,
                                         detail: "stake \(bet.totalStake) is over the offline limit of \(limit) per bet"))
        }
    }

    private func checkSameEventLegs(_ legs: [PlacedLeg]) throws(BookRefusal) {
        var seenEvents = Set<EventID>()
        for leg in legs where !seenEvents.insert(leg.eventID).inserted {
            let sharing = legs.filter { $0.eventID == leg.eventID }
            let allowed = sharing.allSatisfy { board.market($0.marketID)?.allowsSameEventMultiples == true }
            if !allowed { throw .slip(.sameEventLegs(leg.eventID)) }
        }
    }

    /// Stake, payout, liability and terminal limits, in that order; changes nothing.
    func checkRisk(_ bet: PlacedBet, _ contribution: ExposureContribution) throws(BookRefusal) {
        let terminal = limits.terminal(bet.terminalID)
        try require(bet.stakePerLine.minorUnits >= limits.minStakePerLine, .minStakePerLine,
                    limit: limits.minStakePerLine, attempted: bet.stakePerLine.minorUnits)
        try requireAtMost(bet.totalStake.minorUnits, limits.maxStakePerBet, .maxStakePerBet)
        try requireAtMost(bet.totalStake.minorUnits, terminal.maxStakePerBet, .terminalMaxStakePerBet)
        try requireAtMost(bet.potentialReturn.minorUnits, limits.maxPayoutPerBet, .maxPayoutPerBet)

        for (selection, added) in contribution.winReturn {
            let stakeAdded = contribution.lineStake[selection, default: 0]
            let after = exposure.selectionLiability(selection).addingReportingOverflow(added - stakeAdded)
            try requireAtMost(after.overflow ? .max : after.partialValue, limits.maxLiabilityPerSelection,
                              .maxLiabilityPerSelection, subject: selection.rawValue)
        }
        for marketID in Set(bet.legs.map(\.marketID)) {
            guard let market = board.market(marketID) else { continue }
            var worst = Int64.min
            for selection in market.selections {
                let (sum, overflow) = exposure.winReturn[selection.id, default: 0]
                    .addingReportingOverflow(contribution.winReturn[selection.id, default: 0])
                worst = max(worst, overflow ? .max : sum)
            }
            let kept = exposure.singleStake[marketID, default: 0] + contribution.singleStake[marketID, default: 0]
            try requireAtMost(worst == .max ? .max : worst - kept, limits.maxLiabilityPerMarket,
                              .maxLiabilityPerMarket, subject: marketID.rawValue)
        }
        let (openAfter, overflow) = openStake(of: bet.terminalID).addingReportingOverflow(bet.totalStake.minorUnits)
        try requireAtMost(overflow ? .max : openAfter, terminal.maxOpenStake, .terminalMaxOpenStake,
                          subject: bet.terminalID.rawValue)
        // Tickets awaiting payout stay in the book too, so they count against the cap.
        guard tickets.count < maxOpenTickets else { throw .ticketCapReached(held: tickets.count, limit: maxOpenTickets) }
    }

    private func require(_ condition: Bool, _ kind: LimitKind, limit: Int64, attempted: Int64) throws(BookRefusal) {
        guard condition else {
            throw .limit(LimitBreach(limit: kind, limitAmount: Money(minorUnits: limit, currency: currency),
                                     attempted: Money(minorUnits: attempted, currency: currency), subject: nil))
        }
    }

    private func requireAtMost(_ value: Int64, _ limit: Int64, _ kind: LimitKind, subject: String? = nil) throws(BookRefusal) {
        guard value <= limit else {
            throw .limit(LimitBreach(limit: kind, limitAmount: Money(minorUnits: limit, currency: currency),
                                     attempted: Money(minorUnits: value, currency: currency), subject: subject))
        }
    }

    mutating func insertOpen(_ ticketID: TicketID, _ terms: TicketTerms, _ contribution: ExposureContribution, status: TicketStatus = .open,
                             awaitingVerdict: Bool) {
        assert(tickets[ticketID] == nil, "ticket \(ticketID) placed twice")
        assert(status == .open || status == .pending, "a ticket enters the book open or pending")
        tickets[ticketID] = TicketState(terms: terms, outcomes: [], status: status, amountOwed: 0, awaitingVerdict: awaitingVerdict)
        openTicketCount += 1
        exposure.apply(contribution, sign: 1)
        openStakeByTerminal[terms.terminalID, default: 0] += terms.totalStake
        for marketID in terms.marketIDs {
            ticketsByMarket[marketID, default: []].insert(ticketID)
        }
    }

    /// Takes an open or pending ticket out of the exposure and indexes (settled, voided, decided).
    ///
    /// The bet's exposure contribution is worked out again here rather than kept from placing:
    /// it is a pure function of the struck terms, and keeping it cost about a third of the memory
    /// of every open ticket (docs/benchmarks-history.md, "Memory per open ticket").
    mutating func closeOpen(_ ticketID: TicketID) {
        guard let state = tickets[ticketID], state.status == .open || state.status == .pending else {
            assertionFailure("closing ticket \(ticketID), which is not open")
            return
        }
        if state.status == .pending, let bet = pendingBets.removeValue(forKey: ticketID) {
            pendingByTerminal[bet.terminalID, default: 0] -= 1
            if pendingByTerminal[bet.terminalID] == 0 { pendingByTerminal[bet.terminalID] = nil }
        }
        let terms = state.terms
        guard let contribution = try? ExposureContribution(terms) else {
            preconditionFailure("ticket \(ticketID)'s exposure was computed when it was placed and cannot fail now")
        }
        openTicketCount -= 1
        exposure.apply(contribution, sign: -1)
        openStakeByTerminal[terms.terminalID, default: 0] -= terms.totalStake
        if openStakeByTerminal[terms.terminalID] == 0 { openStakeByTerminal[terms.terminalID] = nil }
        for marketID in terms.marketIDs {
            ticketsByMarket[marketID]?.remove(ticketID)
            if ticketsByMarket[marketID]?.isEmpty == true { ticketsByMarket[marketID] = nil }
        }
    }
}
