import Appliance
import Journal
import Wagering

/// `verdict`: a technician enters the verdict on a bet taken offline that central holds but never
/// judged (issue 24; docs/adr/0012-payable-after-verdict.md). Without it such a win could never be
/// paid nor refunded. It is the exception, so it is bounded against the technician too:
/// - only for a ticket still awaiting its verdict whose record central holds (its high-water mark
///   has passed it): central has the bet, so its verdict is overdue, not on its way;
/// - only after `offline.manual_verdict_after_hours`, by a clock central vouched for since this
///   start (`ClockTrust.vouchedByCentral`): a technician's `clock confirm`, a clock stepped
///   forward or a reboot cannot shorten the wait;
/// - with a reason, journaled as the verdict's detail with the technician's name, raised as the
///   alert `verdict.manual`, and seen by central in the verdict's own record (`manual-verdict`);
///   central's own verdict, should it come later, is checked against it (`verdict.unapplied`).
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
        guard context.service.clockTrust.vouchedByCentral else {
            return "central has not vouched for this clock since the start (a confirmation at the console does not count): "
                + "a verdict by hand waits for central to answer (`uplink`, `sync now`); nothing was changed"
        }
        guard let held = context.service.uplink?.connectivity.centralHighWater, held >= Int64(ticket.serial) else {
            return "central does not hold ticket \(ticket)'s record yet, so its verdict is still to come once it does "
                + "(`uplink`, `sync now`); nothing was changed"
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
