import Appliance
import Foundation
import Hummingbird
import Journal
import TerminalProtocol

/// Bets and tickets: placing (any terminal), looking up (staff, or the kiosk that placed it),
/// validating, paying out and voiding (staff).
struct TicketRoutes {
    let service: ApplianceService

    func register(on group: RouterGroup<TerminalRequestContext>) {
        group.post("bets") { request, context in
            var request = request
            let terminal = try context.authenticated()
            let slip = try await JSONBody.decodeSlip(from: &request)
            let placed = await service.place(slip, by: terminal)
            let replayed = if case .success(let ticket) = placed { ticket.replayed } else { false }
            return try JSONBody.ticket(placed, status: replayed ? .ok : .created)
        }
        group.get("tickets/:ticket") { _, context in
            let terminal = try context.authenticated()
            let id = try ticketParameter(context)
            return try JSONBody.ticket(await service.ticket(id, for: terminal).map(TicketView.init))
        }
        group.post("tickets/:ticket/validate") { request, context in
            var request = request
            let terminal = try staff(context)
            let body = try await JSONBody.decode(SecurityCodeRequest.self, from: &request)
            return try JSONBody.result(await service.validate(try ticketParameter(context), code: body.securityCode, for: terminal))
        }
        group.post("tickets/:ticket/payout") { request, context in
            var request = request
            let terminal = try staff(context)
            let body = try await JSONBody.decode(SecurityCodeRequest.self, from: &request)
            return try JSONBody.ticket(await service.payout(try ticketParameter(context), code: body.securityCode, by: terminal))
        }
        group.post("tickets/:ticket/void") { request, context in
            var request = request
            let terminal = try staff(context)
            let body = try await JSONBody.decode(VoidRequest.self, from: &request)
            return try JSONBody.ticket(await service.void(try ticketParameter(context), reason: body.reason, by: terminal))
        }
    }

    /// The ticket id from the path, percent-decoded (`DEM0%2D0000%2D005K` is `DEM0-0000-005K`).
    private func ticketParameter(_ context: TerminalRequestContext) throws -> String {
        let raw = try context.parameters.require("ticket")
        return raw.removingPercentEncoding ?? raw
    }

    private func staff(_ context: TerminalRequestContext) throws -> TerminalCredential {
        let terminal = try context.authenticated()
        guard terminal.role == .staff else {
            service.authFailures.note(.wrongRole, claimedTerminal: terminal.id.rawValue)
            throw Problem(.forbiddenRole, detail: "terminal '\(terminal.id)' is a \(terminal.role.rawValue); only staff terminals may do this")
        }
        return terminal
    }
}
