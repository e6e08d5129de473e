import JSONBytes
import Wagering

// Every placement's body is a slip, and `JSONDecoder` reading it (keyed containers, the strict
// unknown-key check) was 15 % of holdfastd's CPU under `holdfast bench api` (docs/BENCHMARKS.md).
// This reads the slips kiosks actually send straight from the bytes and leaves everything else,
// every error included, to the `Codable` conformances: whenever it returns a slip, `JSONDecoder`
// makes the same slip of the same bytes, and whenever it cannot, the caller asks `JSONDecoder`,
// whose refusal names the field at fault. SlipReaderFuzzTests hold the two together.

extension PlaceBetRequest {
    /// The slip in `bytes`, or nil when they are anything but a plain, complete, valid slip
    /// (unknown, missing or repeated fields, escapes, an unknown odds-change policy, ...).
    public static func read(_ bytes: UnsafeRawBufferPointer) -> PlaceBetRequest? {
        var reader = JSONBytesReader(bytes)
        do {
            let slip = try read(from: &reader)
            try reader.end()
            return slip
        } catch {
            return nil
        }
    }

    private static func read(from reader: inout JSONBytesReader) throws(JSONBytesReader.Declined) -> PlaceBetRequest {
        var idempotencyKey: String?, type: String?, legs: [LegRequest]?, stake: MoneyView?, policy: OddsChangePolicy?
        try JSONBytesReader.readObject(&reader) { key, reader throws(JSONBytesReader.Declined) in
            switch key {
            case "idempotencyKey" where idempotencyKey == nil: idempotencyKey = try reader.string()
            case "type" where type == nil: type = try reader.string()
            case "legs" where legs == nil: legs = try readLegs(from: &reader)
            case "stakePerLine" where stake == nil: stake = try MoneyView.read(from: &reader)
            case "oddsChangePolicy" where policy == nil:
                guard let known = OddsChangePolicy(rawValue: try reader.string()) else { throw .init() }
                policy = known
            default: throw .init()
            }
        }
        guard let idempotencyKey, let type, let legs, let stake, let policy else { throw .init() }
        return PlaceBetRequest(idempotencyKey: idempotencyKey, type: type, legs: legs, stakePerLine: stake, oddsChangePolicy: policy)
    }

    private static func readLegs(from reader: inout JSONBytesReader) throws(JSONBytesReader.Declined) -> [LegRequest] {
        var legs: [LegRequest] = []
        try reader.beginArray()
        var first = true
        while try reader.nextElement(first: &first) {
            // Bounded by the body's size limit; a slip takes at most 20 legs, checked later with a reason.
            legs.append(try LegRequest.read(from: &reader))
        }
        return legs
    }
}

extension LegRequest {
    static func read(from reader: inout JSONBytesReader) throws(JSONBytesReader.Declined) -> LegRequest {
        var selectionId: String?, price: ExactPrice?, priceVersion: UInt64?
        try JSONBytesReader.readObject(&reader) { key, reader throws(JSONBytesReader.Declined) in
            switch key {
            case "selectionId" where selectionId == nil: selectionId = try reader.string()
            case "price" where price == nil: price = try ExactPrice.read(from: &reader)
            case "priceVersion" where priceVersion == nil: priceVersion = try reader.integer(UInt64.self)
            default: throw .init()
            }
        }
        guard let selectionId, let price, let priceVersion else { throw .init() }
        return LegRequest(selectionId: selectionId, price: price, priceVersion: priceVersion)
    }
}

extension ExactPrice {
    static func read(from reader: inout JSONBytesReader) throws(JSONBytesReader.Declined) -> ExactPrice {
        var numerator: Int64?, denominator: Int64?
        try JSONBytesReader.readObject(&reader) { key, reader throws(JSONBytesReader.Declined) in
            switch key {
            case "numerator" where numerator == nil: numerator = try reader.integer(Int64.self)
            case "denominator" where denominator == nil: denominator = try reader.integer(Int64.self)
            default: throw .init()
            }
        }
        guard let numerator, let denominator else { throw .init() }
        return ExactPrice(numerator: numerator, denominator: denominator)
    }
}

extension MoneyView {
    static func read(from reader: inout JSONBytesReader) throws(JSONBytesReader.Declined) -> MoneyView {
        var minorUnits: Int64?, currency: String?
        try JSONBytesReader.readObject(&reader) { key, reader throws(JSONBytesReader.Declined) in
            switch key {
            case "minorUnits" where minorUnits == nil: minorUnits = try reader.integer(Int64.self)
            case "currency" where currency == nil: currency = try reader.string()
            default: throw .init()
            }
        }
        guard let minorUnits, let currency else { throw .init() }
        return MoneyView(minorUnits: minorUnits, currency: currency)
    }
}
