import JSONBytes
import Wagering

/// Writes a `bet.placed` payload as JSON directly into bytes.
///
/// Why by hand: the single journal writer encodes every accepted bet, and Foundation's
/// `JSONEncoder` took about 20 µs per bet there (its `Codable` boxing dominated a profile of the
/// writer), which capped group commit far below what SQLite can take. This writer emits exactly
/// the JSON `PlacedBet`'s `Codable` conformance reads (same keys and shapes), and
/// `BetPayloadWriterTests` holds the two equal; `BetPayloadReader` reads it back by hand. Other
/// record kinds are rare and use `JSONEncoder`.
struct BetPayloadWriter {
    private var json = JSONBytesWriter(capacity: 640)

    static func encode(_ bet: PlacedBet) -> [UInt8] {
        var writer = BetPayloadWriter()
        writer.write(bet)
        return writer.json.bytes
    }

    private mutating func write(_ bet: PlacedBet) {
        json.raw("{")
        json.key("ticketID"); json.string(bet.ticketID.description); json.raw(",")
        json.key("terminalID"); json.string(bet.terminalID.rawValue); json.raw(",")
        json.key("idempotencyKey"); json.string(bet.idempotencyKey); json.raw(",")
        json.key("requestDigest"); bet.requestDigest.withUnsafeBytes { json.hexString($0) }; json.raw(",")
        json.key("kind"); json.string(bet.kind.name); json.raw(",")
        json.key("legs"); json.raw("[")
        for (index, leg) in bet.legs.enumerated() {
            if index > 0 { json.raw(",") }
            write(leg)
        }
        json.raw("],")
        json.key("stakePerLine"); write(bet.stakePerLine); json.raw(",")
        json.key("totalStake"); write(bet.totalStake); json.raw(",")
        json.key("potentialReturn"); write(bet.potentialReturn); json.raw(",")
        json.key("oddsChangePolicy"); json.string(bet.oddsChangePolicy.rawValue); json.raw(",")
        json.key("placedAtMillis"); json.integer(bet.placedAtMillis); json.raw(",")
        json.key("securityDigest"); bet.securityDigest.withUnsafeBytes { json.hexString($0) }
        if let offline = bet.takenOffline {
            json.raw(","); json.key("takenOffline"); json.bool(offline)
        }
        if let required = bet.verdictRequired {
            json.raw(","); json.key("verdictRequired"); json.bool(required)
        }
        if let delay = bet.inPlayDelay {
            json.raw(","); json.key("inPlayDelay"); write(delay)
        }
        json.raw("}")
    }

    private mutating func write(_ delay: InPlayDelay) {
        json.raw("{")
        json.key("seconds"); json.integer(Int64(delay.seconds)); json.raw(",")
        json.key("markets"); json.raw("[")
        for (index, mark) in delay.markets.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{")
            json.key("marketID"); json.string(mark.marketID.rawValue); json.raw(",")
            json.key("changeCount"); json.integer(mark.changeCount); json.raw(",")
            json.key("inPlay"); json.bool(mark.inPlay)
            json.raw("}")
        }
        json.raw("]}")
    }

    private mutating func write(_ leg: PlacedLeg) {
        json.raw("{")
        json.key("selectionID"); json.string(leg.selectionID.rawValue); json.raw(",")
        json.key("marketID"); json.string(leg.marketID.rawValue); json.raw(",")
        json.key("eventID"); json.string(leg.eventID.rawValue); json.raw(",")
        json.key("odds"); write(leg.odds); json.raw(",")
        json.key("priceVersion"); json.integer(leg.priceVersion); json.raw(",")
        json.key("seenOdds"); write(leg.seenOdds); json.raw(",")
        json.key("seenPriceVersion"); json.integer(leg.seenPriceVersion)
        json.raw("}")
    }

    private mutating func write(_ money: Money) {
        json.raw("{")
        json.key("minorUnits"); json.integer(money.minorUnits); json.raw(",")
        json.key("currency"); json.string(money.currency.code)
        json.raw("}")
    }

    private mutating func write(_ odds: Odds) {
        json.raw("{")
        json.key("n"); json.integer(odds.numerator); json.raw(",")
        json.key("d"); json.integer(odds.denominator)
        json.raw("}")
    }
}
