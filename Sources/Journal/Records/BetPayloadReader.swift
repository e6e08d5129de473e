import JSONBytes
import Wagering

/// Reads a `bet.placed` payload straight from its bytes: the fast path of `EventCoding.decode`.
///
/// Why by hand: every retried bet reads its original back on the journal's writer, and every
/// start-up reads each open ticket's record to rebuild the book. `JSONDecoder` took about 30 us a
/// bet there: 75 % of a start-up on 65,000 open tickets, and 2 % of holdfastd's CPU under
/// `holdfast bench api` (docs/BENCHMARKS.md). It reads exactly what `BetPayloadWriter` writes and
/// declines anything else (escapes, unknown, repeated or missing keys, `null`, numbers outside
/// JSON's integer form), which `EventCoding` then gives to `JSONDecoder`; every value goes through
/// the same checks as `PlacedBet`'s `Codable` conformance, so whenever this returns a bet,
/// `JSONDecoder` returns the same one (BetPayloadReaderTests).
enum BetPayloadReader {
    static func read(_ payload: [UInt8]) -> PlacedBet? {
        payload.withUnsafeBytes { bytes in
            var reader = JSONBytesReader(bytes)
            do {
                let bet = try readBet(&reader)
                try reader.end()
                return bet
            } catch {
                return nil
            }
        }
    }

    private typealias Declined = JSONBytesReader.Declined

    private static func readBet(_ reader: inout JSONBytesReader) throws(Declined) -> PlacedBet {
        var ticketID: TicketID?, terminalID: String?, idempotencyKey: String?, requestDigest: Digest256?, kind: BetKind?
        var legs: [PlacedLeg]?, stakePerLine: Money?, totalStake: Money?, potentialReturn: Money?
        var policy: OddsChangePolicy?, placedAtMillis: Int64?, securityDigest: SecurityDigest?, takenOffline: Bool?
        var verdictRequired: Bool?
        var offlineRead = false, verdictRead = false
        try JSONBytesReader.readObject(&reader) { key, reader throws(Declined) in
            switch key {
            case "ticketID" where ticketID == nil:
                guard let id = try? TicketID(parsing: try reader.string()) else { throw Declined() }
                ticketID = id
            case "terminalID" where terminalID == nil: terminalID = try reader.string()
            case "idempotencyKey" where idempotencyKey == nil: idempotencyKey = try reader.string()
            case "requestDigest" where requestDigest == nil: requestDigest = try digest(&reader)
            case "kind" where kind == nil:
                guard let known = BetKind(name: try reader.string()) else { throw Declined() }
                kind = known
            case "legs" where legs == nil: legs = try readLegs(&reader)
            case "stakePerLine" where stakePerLine == nil: stakePerLine = try money(&reader)
            case "totalStake" where totalStake == nil: totalStake = try money(&reader)
            case "potentialReturn" where potentialReturn == nil: potentialReturn = try money(&reader)
            case "oddsChangePolicy" where policy == nil:
                guard let known = OddsChangePolicy(rawValue: try reader.string()) else { throw Declined() }
                policy = known
            case "placedAtMillis" where placedAtMillis == nil: placedAtMillis = try reader.integer(Int64.self)
            case "securityDigest" where securityDigest == nil: securityDigest = try digest(&reader)
            case "takenOffline" where !offlineRead:
                takenOffline = try reader.boolean()
                offlineRead = true
            case "verdictRequired" where !verdictRead:
                verdictRequired = try reader.boolean()
                verdictRead = true
            default: throw Declined()
            }
        }
        guard let ticketID, let terminalID, let idempotencyKey, let requestDigest, let kind, let legs, let stakePerLine,
              let totalStake, let potentialReturn, let policy, let placedAtMillis, let securityDigest else { throw Declined() }
        return PlacedBet(ticketID: ticketID, terminalID: TerminalID(rawValue: terminalID), idempotencyKey: idempotencyKey,
                         requestDigest: requestDigest, kind: kind, legs: legs, stakePerLine: stakePerLine, totalStake: totalStake,
                         potentialReturn: potentialReturn, oddsChangePolicy: policy, placedAtMillis: placedAtMillis,
                         securityDigest: securityDigest, takenOffline: takenOffline, verdictRequired: verdictRequired)
    }

    private static func readLegs(_ reader: inout JSONBytesReader) throws(Declined) -> [PlacedLeg] {
        var legs: [PlacedLeg] = []
        try reader.beginArray()
        var first = true
        // Bounded by the record's size; a bet has at most 20 legs, which the book checked when it was placed.
        while try reader.nextElement(first: &first) { legs.append(try readLeg(&reader)) }
        return legs
    }

    private static func readLeg(_ reader: inout JSONBytesReader) throws(Declined) -> PlacedLeg {
        var selectionID: String?, marketID: String?, eventID: String?, odds: Odds?, priceVersion: UInt64?
        var seenOdds: Odds?, seenPriceVersion: UInt64?
        try JSONBytesReader.readObject(&reader) { key, reader throws(Declined) in
            switch key {
            case "selectionID" where selectionID == nil: selectionID = try reader.string()
            case "marketID" where marketID == nil: marketID = try reader.string()
            case "eventID" where eventID == nil: eventID = try reader.string()
            case "odds" where odds == nil: odds = try readOdds(&reader)
            case "priceVersion" where priceVersion == nil: priceVersion = try reader.integer(UInt64.self)
            case "seenOdds" where seenOdds == nil: seenOdds = try readOdds(&reader)
            case "seenPriceVersion" where seenPriceVersion == nil: seenPriceVersion = try reader.integer(UInt64.self)
            default: throw Declined()
            }
        }
        guard let selectionID, let marketID, let eventID, let odds, let priceVersion, let seenOdds, let seenPriceVersion else {
            throw Declined()
        }
        return PlacedLeg(selectionID: SelectionID(rawValue: selectionID), marketID: MarketID(rawValue: marketID),
                         eventID: EventID(rawValue: eventID), odds: odds, priceVersion: priceVersion, seenOdds: seenOdds,
                         seenPriceVersion: seenPriceVersion)
    }

    private static func money(_ reader: inout JSONBytesReader) throws(Declined) -> Money {
        var minorUnits: Int64?, currency: Currency?
        try JSONBytesReader.readObject(&reader) { key, reader throws(Declined) in
            switch key {
            case "minorUnits" where minorUnits == nil: minorUnits = try reader.integer(Int64.self)
            case "currency" where currency == nil:
                guard let known = try? Currency(code: try reader.string()) else { throw Declined() }
                currency = known
            default: throw Declined()
            }
        }
        guard let minorUnits, let currency else { throw Declined() }
        return Money(minorUnits: minorUnits, currency: currency)
    }

    private static func readOdds(_ reader: inout JSONBytesReader) throws(Declined) -> Odds {
        var numerator: Int64?, denominator: Int64?
        try JSONBytesReader.readObject(&reader) { key, reader throws(Declined) in
            switch key {
            case "n" where numerator == nil: numerator = try reader.integer(Int64.self)
            case "d" where denominator == nil: denominator = try reader.integer(Int64.self)
            default: throw Declined()
            }
        }
        guard let numerator, let denominator, let odds = try? Odds(decimalNumerator: numerator, denominator: denominator) else {
            throw Declined()
        }
        return odds
    }

    private static func digest(_ reader: inout JSONBytesReader) throws(Declined) -> Digest256 {
        guard let digest = Digest256(hex: try reader.string()) else { throw Declined() }
        return digest
    }
}
