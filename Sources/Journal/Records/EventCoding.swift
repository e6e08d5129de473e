import Foundation
import Wagering

/// Ledger events as journal payloads: the record's `kind` names the event, the payload is the
/// event's JSON. JSON because central and technicians read it; the hash covers the stored bytes,
/// so the encoding need not be canonical.
enum EventCoding {
    static func encode(_ event: LedgerEvent) throws -> [UInt8] {
        switch event {
        case .betPlaced(let bet): return BetPayloadWriter.encode(bet)
        case .betDelayDecided(let decision): return try foundationJSON(decision)
        case .marketPublished(let market): return try foundationJSON(market)
        case .priceChanged(let change): return try foundationJSON(change)
        case .marketStatusChanged(let change): return try foundationJSON(change)
        case .selectionWithdrawn(let withdrawal): return try foundationJSON(withdrawal)
        case .marketResulted(let result): return try foundationJSON(result)
        case .ticketVoided(let voided): return try foundationJSON(voided)
        case .ticketPaid(let payment): return try foundationJSON(payment)
        case .verdictApplied(let verdict): return try foundationJSON(verdict)
        case .significant(let significant): return try foundationJSON(significant)
        }
    }

    private static func foundationJSON(_ value: some Encodable) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }

    static func decode(kind: String, payload: [UInt8]) throws -> LedgerEvent {
        // The one frequent kind first, by hand; what that reader declines, JSONDecoder decides.
        if kind == "bet.placed", let bet = BetPayloadReader.read(payload) { return .betPlaced(bet) }
        let decoder = JSONDecoder()
        let data = Data(payload)
        switch kind {
        case "market.published": return .marketPublished(try decoder.decode(Market.self, from: data))
        case "market.price_changed": return .priceChanged(try decoder.decode(PriceChange.self, from: data))
        case "market.status_changed": return .marketStatusChanged(try decoder.decode(MarketStatusChange.self, from: data))
        case "market.selection_withdrawn": return .selectionWithdrawn(try decoder.decode(SelectionWithdrawal.self, from: data))
        case "bet.placed": return .betPlaced(try decoder.decode(PlacedBet.self, from: data))
        case "bet.delay_decided": return .betDelayDecided(try decoder.decode(DelayDecision.self, from: data))
        case "market.resulted": return .marketResulted(try decoder.decode(MarketResult.self, from: data))
        case "ticket.voided": return .ticketVoided(try decoder.decode(TicketVoid.self, from: data))
        case "ticket.paid": return .ticketPaid(try decoder.decode(TicketPayment.self, from: data))
        case "ticket.verdict": return .verdictApplied(try decoder.decode(TicketVerdict.self, from: data))
        case "appliance.event": return .significant(try decoder.decode(SignificantEvent.self, from: data))
        default: throw UnknownRecordKind(kind: kind)
        }
    }
}

struct UnknownRecordKind: Error, CustomStringConvertible {
    var kind: String
    var description: String { "unknown record kind '\(kind)'" }
}
