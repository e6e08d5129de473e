import Wagering

/// Writes a `bet.placed` payload as JSON directly into bytes.
///
/// Why by hand: the single journal writer encodes every accepted bet, and Foundation's
/// `JSONEncoder` took about 20 µs per bet there (its `Codable` boxing dominated a profile of the
/// writer), which capped group commit far below what SQLite can take. This writer emits exactly
/// the JSON `PlacedBet`'s `Codable` conformance reads (same keys and shapes); reading stays with
/// `JSONDecoder`, and `BetPayloadWriterTests` holds the two equal. Other record kinds are rare and
/// use `JSONEncoder`.
struct BetPayloadWriter {
    private(set) var bytes: [UInt8] = []

    static func encode(_ bet: PlacedBet) -> [UInt8] {
        var writer = BetPayloadWriter()
        writer.bytes.reserveCapacity(640)
        writer.write(bet)
        return writer.bytes
    }

    private mutating func write(_ bet: PlacedBet) {
        raw("{")
        key("ticketID"); string(bet.ticketID.description); raw(",")
        key("terminalID"); string(bet.terminalID.rawValue); raw(",")
        key("idempotencyKey"); string(bet.idempotencyKey); raw(",")
        key("requestDigest"); string(bet.requestDigest); raw(",")
        key("kind"); string(bet.kind.name); raw(",")
        key("legs"); raw("[")
        for (index, leg) in bet.legs.enumerated() {
            if index > 0 { raw(",") }
            write(leg)
        }
        raw("],")
        key("stakePerLine"); write(bet.stakePerLine); raw(",")
        key("totalStake"); write(bet.totalStake); raw(",")
        key("potentialReturn"); write(bet.potentialReturn); raw(",")
        key("oddsChangePolicy"); string(bet.oddsChangePolicy.rawValue); raw(",")
        key("placedAtMillis"); integer(bet.placedAtMillis); raw(",")
        key("securityDigest"); hexString(bet.securityDigest.bytes)
        if let offline = bet.takenOffline {
            raw(","); key("takenOffline"); raw(offline ? "true" : "false")
        }
        raw("}")
    }

    private mutating func write(_ leg: PlacedLeg) {
        raw("{")
        key("selectionID"); string(leg.selectionID.rawValue); raw(",")
        key("marketID"); string(leg.marketID.rawValue); raw(",")
        key("eventID"); string(leg.eventID.rawValue); raw(",")
        key("odds"); write(leg.odds); raw(",")
        key("priceVersion"); integer(leg.priceVersion); raw(",")
        key("seenOdds"); write(leg.seenOdds); raw(",")
        key("seenPriceVersion"); integer(leg.seenPriceVersion)
        raw("}")
    }

    private mutating func write(_ money: Money) {
        raw("{")
        key("minorUnits"); integer(money.minorUnits); raw(",")
        key("currency"); string(money.currency.code)
        raw("}")
    }

    private mutating func write(_ odds: Odds) {
        raw("{")
        key("n"); integer(odds.numerator); raw(",")
        key("d"); integer(odds.denominator)
        raw("}")
    }

    private mutating func key(_ name: StaticString) {
        raw("\"")
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        raw("\":")
    }

    private mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Decimal digits written in place, without building a `String` per number.
    private mutating func integer<T: BinaryInteger>(_ value: T) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    private mutating func hexString(_ value: [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value {
            bytes.append(BetPayloadWriter.hexDigits[Int(byte >> 4)])
            bytes.append(BetPayloadWriter.hexDigits[Int(byte & 0xF)])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: quote, backslash and control characters escaped (RFC 8259, section 7).
    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(BetPayloadWriter.hexDigits[Int(byte >> 4)])
                bytes.append(BetPayloadWriter.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
