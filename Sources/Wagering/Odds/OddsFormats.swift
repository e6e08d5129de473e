// Parsing and display of the three odds formats. The rounding rules stated here are the ones
// docs/wagering.md documents; settlement never uses a displayed value.

extension Odds {
    /// Reads decimal ("2.375"), fractional ("11/8", "evens", "EVS") or American ("+138", "-150")
    /// odds. A bare integer is decimal ("3" is 3.0) unless it carries a sign.
    public static func parse(_ text: String) throws(OddsError) -> Odds {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        let lowered = trimmed.lowercased()
        if lowered == "evens" || lowered == "evs" || lowered == "even" { return .evens }
        if trimmed.contains("/") { return try parseFractional(trimmed) }
        if trimmed.hasPrefix("+") || trimmed.hasPrefix("-") { return try parseAmerican(trimmed) }
        return try parseDecimal(trimmed)
    }

    /// "2.375", "3", "1.01". At most six fraction digits.
    public static func parseDecimal(_ text: String) throws(OddsError) -> Odds {
        let parts = text.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2, let wholePart = parts.first, !wholePart.isEmpty,
              wholePart.count <= 6, wholePart.allSatisfy(\.isASCIIDigit)
        else { throw .malformed(text) }
        let fractionPart = parts.count == 2 ? parts[1] : ""
        guard fractionPart.allSatisfy(\.isASCIIDigit), parts.count == 1 || !fractionPart.isEmpty else {
            throw .malformed(text)
        }
        guard fractionPart.count <= 6 else { throw .tooPrecise }
        var scale: Int64 = 1
        for _ in 0..<fractionPart.count { scale *= 10 }
        let whole = Int64(wholePart)!
        let fraction = fractionPart.isEmpty ? 0 : Int64(fractionPart)!
        return try Odds(decimalNumerator: whole * scale + fraction, denominator: scale)
    }

    /// "11/8", "100/30". Both sides positive integers.
    public static func parseFractional(_ text: String) throws(OddsError) -> Odds {
        let sides = text.split(separator: "/", omittingEmptySubsequences: false)
        guard sides.count == 2,
              let top = parseSmallInteger(sides[0]), let bottom = parseSmallInteger(sides[1])
        else { throw .malformed(text) }
        return try Odds(fractionalNumerator: top, denominator: bottom)
    }

    /// "+138", "-150", "100". Integers only.
    public static func parseAmerican(_ text: String) throws(OddsError) -> Odds {
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard let magnitude = parseSmallInteger(digits) else { throw .malformed(text) }
        return try Odds(american: negative ? -magnitude : magnitude)
    }

    /// Decimal odds for display: exact when they terminate within four places (at least two are
    /// shown: "2.00", "2.375"); otherwise rounded to two places, half away from zero ("1.67" for
    /// 5/3).
    public var decimalString: String {
        for places in 2...4 {
            let scale = power10(places)
            if (Int128(numerator) * Int128(scale)) % Int128(denominator) == 0 {
                return fixedPoint(Int64(Int128(numerator) * Int128(scale) / Int128(denominator)), places: places)
            }
        }
        let scaled = roundedHalfAwayFromZero(Int128(numerator) * 100, Int128(denominator))
        return fixedPoint(Int64(scaled), places: 2)
    }

    /// Fractional odds for display, reduced: "11/8", "evens" for 1/1.
    public var fractionalString: String {
        let (top, bottom) = fractional
        if top == bottom { return "evens" }
        return "\(top)/\(bottom)"
    }

    /// American odds, rounded to a whole number half away from zero: 2.375 -> +137.5 -> +138,
    /// 1.727.. (8/11) -> -137.5 -> -138. Evens shows as +100.
    public var american: Int64 {
        let (top, bottom) = fractional
        if top >= bottom {
            return Int64(roundedHalfAwayFromZero(Int128(top) * 100, Int128(bottom)))
        }
        return -Int64(roundedHalfAwayFromZero(Int128(bottom) * 100, Int128(top)))
    }

    public var americanString: String {
        let value = american
        return value > 0 ? "+\(value)" : "\(value)"
    }
}

/// Rounds the positive quotient `n / d` to the nearest integer, ties away from zero.
func roundedHalfAwayFromZero(_ n: Int128, _ d: Int128) -> Int128 {
    precondition(n >= 0 && d > 0, "rounding is defined here for positive quotients only")
    return (2 * n + d) / (2 * d)
}

private func parseSmallInteger(_ text: Substring) -> Int64? {
    guard !text.isEmpty, text.count <= 9, text.allSatisfy(\.isASCIIDigit) else { return nil }
    return Int64(text)
}

private func power10(_ exponent: Int) -> Int64 {
    var result: Int64 = 1
    for _ in 0..<exponent { result *= 10 }
    return result
}

private func fixedPoint(_ scaled: Int64, places: Int) -> String {
    let scale = power10(places)
    let fraction = String(scaled % scale)
    return "\(scaled / scale).\(String(repeating: "0", count: places - fraction.count))\(fraction)"
}
