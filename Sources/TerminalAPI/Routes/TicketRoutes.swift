import Appliance
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
            let slip = try await JSONBody.decode(PlaceBetRequest.self, from: &request)
            let placed = await service.place(slip, by: terminal)
            if case .success(let ticket) = placed, ticket.replayed { return try JSONBody.response(ticket, status: .ok) }
            return try JSONBody.result(placed, status: .created)
        }
        group.get("tickets/:ticket") { _, context in
            let terminal = try context.authenticated()
            let id = try context.parameters.require("ticket")
            return try JSONBody.result(await service.ticket(id, for: terminal).map { record in
                TicketView(bet: record.bet, status: record.status, amount: record.amount, securityCode: nil, replayed: false)
            })
        }
        group.post("tickets/:ticket/validate") { request, context in
            var request = request
            let terminal = try staff(context)
            let body = try await JSONBody.decode(SecurityCodeRequest.self, from: &request)
            return try JSONBody.result(await service.validate(try context.parameters.require("ticket"), code: body.securityCode, for: terminal))
        }
        group.post("tickets/:ticket/payout") { request, context in
            var request = request
            let terminal = try staff(context)
            let body = try await JSONBody.decode(SecurityCodeRequest.self, from: &request)
            return try JSONBody.result(await service.payout(try context.parameters.require("ticket"), code: body.securityCode, by: terminal))
        }
        group.post("tickets/:ticket/void") { request, context in
            var request = request
            let terminal = try staff(context)
            let body = try await JSONBody.decode(VoidRequest.self, from: &request)
            return try JSONBody.result(await service.void(try context.parameters.require("ticket"), reason: body.reason, by: terminal))
        }
    }

    private func staff(_ context: TerminalRequestContext) throws -> TerminalCredential {
        let terminal = try context.authenticated()
        guard terminal.role == .staff else {
            throw Problem(.forbiddenRole, detail: "terminal '\(terminal.id)' is a \(terminal.role.rawValue); only staff terminals may do this")
        }
        return terminal
    }
}
