import TerminalProtocol
import Wagering

/// Turns a terminal's bet slip into the book's `BetRequest`, naming the field at fault when it
/// cannot.
enum BetRequestMapping {
    static let maxIdempotencyKeyLength = 128

    static func map(_ request: PlaceBetRequest, terminal: TerminalID) -> Result<BetRequest, Problem> {
        let key = request.idempotencyKey
        guard !key.isEmpty, key.count <= maxIdempotencyKeyLength, key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else {
            return .failure(Problem(.malformedRequest, detail: "idempotencyKey must be 1 to \(maxIdempotencyKeyLength) printable ASCII characters without spaces",
                                    field: "idempotencyKey"))
        }
        guard let kind = BetKind(name: request.type) else {
            let known = ["single", "accumulator"] + SystemBet.allCases.map(\.rawValue)
            return .failure(Problem(.invalidSlip, detail: "unknown bet type '\(request.type)'; expected one of \(known.joined(separator: ", "))",
                                    field: "type"))
        }
        guard request.legs.count <= 20 else {
            return .failure(Problem(.invalidSlip, detail: "a slip has at most 20 legs, this one has \(request.legs.count)", field: "legs"))
        }
        var legs: [Leg] = []
        for (index, leg) in request.legs.enumerated() {
            guard !leg.selectionId.isEmpty, leg.selectionId.count <= 128 else {
                return .failure(Problem(.invalidSlip, detail: "selectionId must be 1 to 128 characters", field: "legs[\(index)].selectionId"))
            }
            let odds: Odds
            do { odds = try leg.price.odds() } catch {
                return .failure(Problem(.invalidSlip, detail: "leg \(index): \(error)", field: "legs[\(index)].price"))
            }
            legs.append(Leg(selectionID: SelectionID(rawValue: leg.selectionId), seenOdds: odds, seenPriceVersion: leg.priceVersion))
        }
        let stake: Money
        do { stake = try request.stakePerLine.money() } catch {
            return .failure(Problem(.invalidSlip, detail: error.description, field: "stakePerLine.currency"))
        }
        let slip = BetSlip(kind: kind, legs: legs, stakePerLine: stake, oddsChangePolicy: request.oddsChangePolicy)
        return .success(BetRequest(terminalID: terminal, idempotencyKey: key, slip: slip, requestDigest: digest(of: request)))
    }

    /// SHA-256 of the slip's fields in a fixed order, each length-prefixed so no field's content
    /// can pass for a separator, so a retry that serializes the same slip differently (key order,
    /// spacing, currency case) is still recognised as the same request. Built by hand rather than
    /// with a sorted-keys `JSONEncoder`, which cost more than the rest of the mapping, and into
    /// one byte buffer rather than joined strings, whose generic `joined()` ran unspecialized.
    static func digest(of request: PlaceBetRequest) -> Digest256 {
        var canonical: [UInt8] = []
        canonical.reserveCapacity(64 + 32 * request.legs.count)
        func append(_ field: String) {
            canonical.append(contentsOf: String(field.utf8.count).utf8)
            canonical.append(UInt8(ascii: ":"))
            canonical.append(contentsOf: field.utf8)
        }
        append("slip/v1")
        append(request.type)
        append(request.oddsChangePolicy.rawValue)
        append(String(request.stakePerLine.minorUnits))
        append(request.stakePerLine.currency.uppercased())
        append(String(request.legs.count))
        for leg in request.legs {
            append(leg.selectionId)
            append(String(leg.price.numerator))
            append(String(leg.price.denominator))
            append(String(leg.priceVersion))
        }
        return Digest256(hashing: canonical)
    }
}
