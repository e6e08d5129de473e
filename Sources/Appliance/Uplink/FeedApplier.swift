import Journal
import Logging
import SyncProtocol
import Wagering

/// Turns central's feed items into journal commands: each change is journaled before it takes
/// effect (the book changes only through the journal), so the board survives a reboot offline.
struct FeedApplier {
    let service: ApplianceService
    let logger: Logger

    /// Journals `item`. A refusal (a result already applied, a void of a ticket already voided)
    /// means the item needs nothing more and is skipped; a storage failure is thrown, so the
    /// item is read again.
    func apply(_ item: FeedItem) async throws {
        switch item.change {
        case .marketPublished(let market): try await publish(market, item)
        case .priceChanged(let selection, let odds): try await journal(.changePrice(selection, odds), item)
        case .statusChanged(let market, let status, let inPlay): try await journal(.setStatus(market, status, inPlay: inPlay), item)
        case .resulted(let result): try await journal(.result(result), item)
        case .verdicts(let verdicts):
            for verdict in verdicts {
                let decision: VerdictDecision = verdict.decision == .confirmed ? .confirmed : .voided
                guard let ticket = try? TicketID(parsing: verdict.ticketID) else {
                    try await unapplied(verdict.ticketID, decision, because: "this appliance cannot read the ticket id")
                    continue
                }
                try await journalVerdict(.verdict(ticket, decision, reason: verdict.reason?.rawValue, detail: verdict.detail),
                                         ticket, decision, item)
            }
        case .limits(let limits):
            try await service.setLimits(limits)
            try service.centralLimits.write(limits)
        case .terminal(let grant):
            // The record (without the secret) is the audit trail; the grant takes effect after it.
            try await journal(.record(category: "credentials.terminal",
                                      message: "central \(grant.revoked ? "revoked" : "granted") terminal \(grant.id) (\(grant.role))"), item)
            try service.credentials.apply(grant)
        case .technician(let grant):
            try await journal(.record(category: "credentials.technician",
                                      message: "central \(grant.revoked ? "revoked" : "granted") technician \(grant.name)"), item)
            try service.credentials.apply(grant)
        }
    }

    /// A republish that drops a selection bets are on is refused as it stands (those bets could
    /// never be resulted). The rest of it must still take effect: its status (a suspension an
    /// in-play bet's decision must see), prices and delay. So it is applied with each dropped
    /// selection kept as withdrawn: no new bets on it, and its bets settle by the result, void
    /// unless the result names it.
    private func publish(_ market: Market, _ item: FeedItem) async throws {
        guard let refusal = try await refusal(of: .publish(market)) else { return }
        guard case .selectionHasOpenBets(let selection) = refusal else { return skipped(item, refusal) }
        logger.error("central dropped a selection that bets are on; it is kept as withdrawn",
                     metadata: ["cursor": "\(item.cursor)", "market": "\(market.id)", "selection": "\(selection)"])
        var kept = market
        for dropped in service.journal.board().market(market.id)?.selections ?? [] where market.selection(dropped.id) == nil {
            var withdrawn = dropped
            withdrawn.status = .withdrawn
            kept.selections.append(withdrawn)
        }
        try await journal(.publish(kept), item)
    }

    /// A verdict is never dropped silently (docs/adr/0012): it changes the ticket, or it is a
    /// second delivery of one already journaled (the feed is read again after a restart mid-page
    /// or a restore), or it is journaled as an alert for a person: a ticket this appliance does not
    /// hold, a bet taken offline before verdicts were required, or a decision unlike the one
    /// journaled.
    private func journalVerdict(_ command: JournalCommand, _ ticket: TicketID, _ decision: VerdictDecision,
                                _ item: FeedItem) async throws {
        let fact: JournaledFact
        do {
            fact = try await service.changeBoard(command)
        } catch .refused(let refusal) {
            try await refused(refusal, ticket, decision, item)
            return
        }
        if case .verdictApplied(let verdict) = fact.applied.event, let overpaid = verdict.overpaid {
            voidAfterPayout(verdict, overpaid: overpaid)
        }
    }

    /// A win paid before its verdict (the venue's `pay_before_verdict_up_to`) that central then
    /// voided: the money is gone, so a person must know. The verdict's record carries `overpaid`,
    /// journaled with the verdict in one commit, so nothing between them can lose it; central
    /// raises its own alert from the payment's record (`paid-before-void-verdict`). Here the local
    /// hook is told.
    private func voidAfterPayout(_ verdict: TicketVerdict, overpaid: Money) {
        let message = """
            ticket \(verdict.ticketID) was paid \(verdict.amountOwed) before central's verdict, and central voided it \
            (\(verdict.reason ?? "voided")); \(overpaid) was paid above the stake
            """
        logger.error("a win paid before its verdict was voided by central",
                     metadata: ["ticket": "\(verdict.ticketID)", "overpaid": "\(overpaid)", "detail": "\(verdict.detail)"])
        service.alertHook.raise("verdict.void_after_payout", message)
    }

    private func refused(_ refusal: BookRefusal, _ ticket: TicketID, _ decision: VerdictDecision, _ item: FeedItem) async throws {
        let journaled = try await service.journal.ticket(ticket)?.verdict
        if journaled == decision.rawValue {
            logger.notice("verdict already applied; skipped", metadata: ["cursor": "\(item.cursor)", "ticket": "\(ticket)"])
            return
        }
        try await unapplied(ticket.description, decision, because: journaled.map { "\(refusal); the journal has it \($0)" } ?? "\(refusal)")
    }

    private func unapplied(_ ticket: String, _ decision: VerdictDecision, because reason: String) async throws {
        logger.error("central's verdict could not be applied; journaled as an alert",
                     metadata: ["ticket": "\(ticket)", "decision": "\(decision.rawValue)", "reason": "\(reason)"])
        try await service.journalEvent("verdict.unapplied",
                                       "central's \(decision.rawValue) verdict on ticket \(ticket) could not be applied: \(reason)")
    }

    private func journal(_ command: JournalCommand, _ item: FeedItem) async throws {
        if let refusal = try await refusal(of: command) { skipped(item, refusal) }
    }

    /// Journals `command` and answers the book's refusal, or nil once it is journaled; a storage
    /// failure is thrown, so the item is read again. (A `Result`, not a typed `catch` pattern:
    /// Swift 6.3.1's debug build crashes on the latter here.)
    private func refusal(of command: JournalCommand) async throws -> BookRefusal? {
        let outcome: Result<Void, JournalError>
        do { try await service.changeBoard(command); outcome = .success(()) } catch { outcome = .failure(error) }
        switch outcome {
        case .success: return nil
        case .failure(.refused(let refusal)): return refusal
        case .failure(let error): throw error
        }
    }

    private func skipped(_ item: FeedItem, _ refusal: BookRefusal) {
        logger.notice("feed item needs nothing more; skipped", metadata: ["cursor": "\(item.cursor)", "kind": "\(item.change.kind)",
                                                                         "refusal": "\(refusal)"])
    }
}
