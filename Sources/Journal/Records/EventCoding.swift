import Foundation
import Wagering

/// Ledger events as journal payloads: the record's `kind` names the event, the payload is the
/// event's JSON. JSON because central and technicians read it; the hash covers the stored bytes,
/// so the encoding need not be canonical.
enum EventCoding {
    static func encode(_ event: LedgerEvent) throws -> [UInt8] {
        let encoder = JSONEncoder()
        switch event {
        case .marketPublished(let market): return Array(try encoder.encode(market))
        case .priceChanged(let change): return Array(try encoder.encode(change))
        case .marketStatusChanged(let change): return Array(try encoder.encode(change))
        case .selectionWithdrawn(let withdrawal): return Array(try encoder.encode(withdrawal))
        case .betPlaced(let bet): return Array(try encoder.encode(bet))
        case .marketResulted(let result): return Array(try encoder.encode(result))
        case .ticketVoided(let voided): return Array(try encoder.encode(voided))
        case .ticketPaid(let payment): return Array(try encoder.encode(payment))
        case .significant(let significant): return Array(try encoder.encode(significant))
        }
    }

    static func decode(kind: String, payload: [UInt8]) throws -> LedgerEvent {
        let decoder = JSONDecoder()
        let data = Data(payload)
        switch kind {
        case "market.published": return .marketPublished(try decoder.decode(Market.self, from: data))
        case "market.price_changed": return .priceChanged(try decoder.decode(PriceChange.self, from: data))
        case "market.status_changed": return .marketStatusChanged(try decoder.decode(MarketStatusChange.self, from: data))
        case "market.selection_withdrawn": return .selectionWithdrawn(try decoder.decode(SelectionWithdrawal.self, from: data))
        case "bet.placed": return .betPlaced(try decoder.decode(PlacedBet.self, from: data))
        case "market.resulted": return .marketResulted(try decoder.decode(MarketResult.self, from: data))
        case "ticket.voided": return .ticketVoided(try decoder.decode(TicketVoid.self, from: data))
        case "ticket.paid": return .ticketPaid(try decoder.decode(TicketPayment.self, from: data))
        case "appliance.event": return .significant(try decoder.decode(SignificantEvent.self, from: data))
        default: throw UnknownRecordKind(kind: kind)
        }
    }
}

struct UnknownRecordKind: Error, CustomStringConvertible {
    var kind: String
    var description: String { "unknown record kind '\(kind)'" }
}
