import JSONBytes

// The bet path's two documents written by hand: every placement sends a slip and answers a
// ticket, and `JSONEncoder` for them was 9 % of holdfastd's CPU and 12 % of the load generator's
// under `holdfast bench api` (docs/BENCHMARKS.md). The JSON is the same as `JSONEncoder` writes
// (same keys, absent optionals left out); `WireJSONTests` holds them equal, and reading stays
// with the `Codable` conformances and their strict checks.

extension TicketView {
    public func jsonBytes() -> [UInt8] {
        var json = JSONBytesWriter(capacity: 320 + 240 * legs.count)
        write(to: &json)
        return json.bytes
    }

    func write(to json: inout JSONBytesWriter) {
        json.raw("{")
        json.key("ticketId"); json.string(ticketId); json.raw(",")
        if let securityCode {
            json.key("securityCode"); json.string(securityCode); json.raw(",")
        }
        json.key("status"); json.string(status.rawValue); json.raw(",")
        json.key("type"); json.string(type); json.raw(",")
        json.key("legs"); json.raw("[")
        for (index, leg) in legs.enumerated() {
            if index > 0 { json.raw(",") }
            leg.write(to: &json)
        }
        json.raw("],")
        json.key("stakePerLine"); stakePerLine.write(to: &json); json.raw(",")
        json.key("totalStake"); totalStake.write(to: &json); json.raw(",")
        json.key("potentialReturn"); potentialReturn.write(to: &json); json.raw(",")
        json.key("amount"); amount.write(to: &json); json.raw(",")
        json.key("placedAtMillis"); json.integer(placedAtMillis); json.raw(",")
        json.key("replayed"); json.bool(replayed)
        if let takenOffline {
            json.raw(","); json.key("takenOffline"); json.bool(takenOffline)
        }
        if let voidReason {
            json.raw(","); json.key("voidReason"); json.string(voidReason)
        }
        if let verdict {
            json.raw(","); json.key("verdict"); json.string(verdict)
        }
        if let inPlayDelaySeconds {
            json.raw(","); json.key("inPlayDelaySeconds"); json.integer(Int64(inPlayDelaySeconds))
        }
        if let declineReason {
            json.raw(","); json.key("declineReason"); json.string(declineReason)
        }
        json.raw("}")
    }
}

extension TicketLegView {
    func write(to json: inout JSONBytesWriter) {
        json.raw("{")
        json.key("selectionId"); json.string(selectionId); json.raw(",")
        json.key("marketId"); json.string(marketId); json.raw(",")
        json.key("eventId"); json.string(eventId); json.raw(",")
        json.key("price"); price.write(to: &json); json.raw(",")
        json.key("priceVersion"); json.integer(priceVersion)
        json.raw("}")
    }
}

extension PriceView {
    func write(to json: inout JSONBytesWriter) {
        json.raw("{")
        json.key("numerator"); json.integer(numerator); json.raw(",")
        json.key("denominator"); json.integer(denominator); json.raw(",")
        json.key("decimal"); json.string(decimal); json.raw(",")
        json.key("fractional"); json.string(fractional); json.raw(",")
        json.key("american"); json.string(american)
        json.raw("}")
    }
}

extension MoneyView {
    func write(to json: inout JSONBytesWriter) {
        json.raw("{")
        json.key("minorUnits"); json.integer(minorUnits); json.raw(",")
        json.key("currency"); json.string(currency)
        json.raw("}")
    }
}

extension PlaceBetRequest {
    public func jsonBytes() -> [UInt8] {
        var json = JSONBytesWriter(capacity: 160 + 120 * legs.count)
        json.raw("{")
        json.key("idempotencyKey"); json.string(idempotencyKey); json.raw(",")
        json.key("type"); json.string(type); json.raw(",")
        json.key("legs"); json.raw("[")
        for (index, leg) in legs.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{")
            json.key("selectionId"); json.string(leg.selectionId); json.raw(",")
            json.key("price"); json.raw("{")
            json.key("numerator"); json.integer(leg.price.numerator); json.raw(",")
            json.key("denominator"); json.integer(leg.price.denominator)
            json.raw("},")
            json.key("priceVersion"); json.integer(leg.priceVersion)
            json.raw("}")
        }
        json.raw("],")
        json.key("stakePerLine"); stakePerLine.write(to: &json); json.raw(",")
        json.key("oddsChangePolicy"); json.string(oddsChangePolicy.rawValue)
        json.raw("}")
        return json.bytes
    }
}
