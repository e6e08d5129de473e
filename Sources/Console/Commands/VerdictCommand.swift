import Appliance
import Journal
import Wagering

/// `verdict`: a technician enters the verdict on a bet taken offline that central never judged
/// (issue 24; docs/adr/0012-payable-after-verdict.md). Without it such a win could never be paid
/// nor refunded. It is the exception, so it is bounded:
/// - only for a ticket still awaiting its verdict, placed at least
///   `offline.manual_verdict_after_hours` ago by a clock the appliance trusts;
/// - with a reason, journaled as the verdict's detail with the technician's name, and raised as
///   the alert `verdict.manual`, which central sees with the records;
/// - central's own verdict, should it come later, is checked against it: a different decision is
///   journaled as `verdict.unapplied` for a person (the feed's usual path).
extension ConsoleCommands {
    func verdict(_ arguments: [String]) async -> String {
        guard arguments.count >= 3, let decision = Self.decision(arguments[1]) else {
            return "usage: verdict <ticket id> confirm|void <reason>"
        }
        let ticket: TicketID
        do { ticket = try TicketID(parsing: arguments[0]) } catch { return "\(error): nothing was changed" }
        let reason = arguments.dropFirst(2).joined(separator: " ")
        let now = context.clock.wallMillis()
        if let why = context.service.clockTrust.distrust(wallMillis: now, monotonicNanos: context.clock.monotonicNanos()) {
            return "\(why): a verdict cannot be timed until the clock is trusted (`clock`); nothing was changed"
        }
        guard let book = try? await context.service.journal.book() else { return "the journal cannot be read: nothing was changed" }
        guard let state = book.ticket(ticket), state.awaitingVerdict else {
            return "ticket \(ticket) is not awaiting a verdict from central: nothing was changed"
        }
        let hours = context.service.configuration.offline.manualVerdictAfterHours
        let waitedMillis = now - state.terms.placedAtMillis
        guard waitedMillis >= Int64(hours) * 3_600_000 else {
            return """
                ticket \(ticket) was placed \(waitedMillis / 60_000) min ago; central's verdict may still come, so one can be \
                entered here only after \(hours) h (offline.manual_verdict_after_hours). Check the link first: `uplink`, `sync now`
                """
        }
        let detail = "entered at the console by \(technician): \(String(reason.prefix(200)))"
        do {
            let fact = try await context.service.journal.apply(.verdict(ticket, decision, reason: "manual", detail: detail))
            let owed = fact.applied.tickets.first.map { Money(minorUnits: $0.amount, currency: context.service.configuration.currency) }
            await context.record("verdict.manual", "\(technician) entered a \(decision.rawValue) verdict on ticket \(ticket): \(reason)")
            return "ticket \(ticket) \(decision.rawValue) by hand; it is now \(fact.applied.tickets.first?.status.rawValue ?? "?")"
                + (owed.map { ", owed \($0)" } ?? "") + ". Central is told with the records."
        } catch {
            return "not entered: \(error)"
        }
    }

    private static func decision(_ word: String) -> VerdictDecision? {
        switch word {
        case "confirm": .confirmed
        case "void": .voided
        default: nil
        }
    }
}
