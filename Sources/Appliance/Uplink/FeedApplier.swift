import Journal
import Logging
import SyncProtocol
import Wagering

/// Turns central's feed items into journal commands: each change is journaled before it takes
/// effect (the book changes only through the journal), so the board survives a reboot offline.
struct FeedApplier {
    let service: ApplianceService
    let logger: Logger
    static let central = TerminalID(rawValue: "central")

    /// Journals `item`. A refusal (a result already applied, a void of a ticket already voided)
    /// means the item needs nothing more and is skipped; a storage failure is thrown, so the
    /// item is read again.
    func apply(_ item: FeedItem) async throws {
        switch item.change {
        case .marketPublished(let market): try await journal(.publish(market), item)
        case .priceChanged(let selection, let odds): try await journal(.changePrice(selection, odds), item)
        case .statusChanged(let market, let status, let inPlay): try await journal(.setStatus(market, status, inPlay: inPlay), item)
        case .resulted(let result): try await journal(.result(result), item)
        case .verdicts(let verdicts):
            for verdict in verdicts {
                guard let ticket = try? TicketID(parsing: verdict.ticketID) else {
                    logger.error("central sent a verdict for a ticket id this appliance cannot read", metadata: ["ticket": "\(verdict.ticketID)"])
                    continue
                }
                switch verdict.decision {
                case .confirmed:
                    try await journal(.record(category: "bet.confirmed", message: "central confirmed offline ticket \(ticket)"), item)
                case .voided:
                    // Not a staff void: central's verdict stands whenever it arrives, legs underway or not.
                    try await journal(.voidByVerdict(ticket, by: Self.central,
                                                     reason: "central: \(verdict.reason?.rawValue ?? "voided"): \(verdict.detail)"), item)
                }
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

    private func journal(_ command: JournalCommand, _ item: FeedItem) async throws {
        let outcome: Result<Void, JournalError>
        do { try await service.changeBoard(command); outcome = .success(()) } catch { outcome = .failure(error) }
        switch outcome {
        case .success: return
        case .failure(.refused(let refusal)):
            logger.notice("feed item needs nothing more; skipped", metadata: ["cursor": "\(item.cursor)", "kind": "\(item.change.kind)",
                                                                             "refusal": "\(refusal)"])
        case .failure(let error): throw error
        }
    }
}
