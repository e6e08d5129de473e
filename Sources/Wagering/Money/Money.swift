/// An amount of money in integer minor units (pence, cents) of one currency.
///
/// There is no floating point anywhere in Holdfast's money: amounts are `Int64` minor units and
/// every operation checks for overflow and for mixed currencies, so an impossible amount is an
/// error that names itself rather than a wrapped number.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money {
        Money(minorUnits: 0, currency: currency)
    }

    public var isPositive: Bool { minorUnits > 0 }

    public func adding(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        if overflow { throw .overflow(operation: "\(self) + \(other)") }
        return Money(minorUnits: sum, currency: currency)
    }

    public func subtracting(_ other: Money) throws(MoneyError) -> Money {
        try requireSameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        if overflow { throw .overflow(operation: "\(self) - \(other)") }
        return Money(minorUnits: difference, currency: currency)
    }

    public func multiplied(by factor: Int64) throws(MoneyError) -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: factor)
        if overflow { throw .overflow(operation: "\(self) x \(factor)") }
        return Money(minorUnits: product, currency: currency)
    }

    private func requireSameCurrency(_ other: Money) throws(MoneyError) {
        guard currency == other.currency else {
            throw .currencyMismatch(currency, other.currency)
        }
    }

    /// "12.34 GBP": always every minor digit, so the printed amount is exact.
    public var description: String { "\(amountString) \(currency.code)" }

    /// "12.34", "-0.05", "1500" (JPY).
    public var amountString: String {
        let digits = currency.minorUnitDigits
        let magnitude = minorUnits.magnitude
        let sign = minorUnits < 0 ? "-" : ""
        guard digits > 0 else { return sign + String(magnitude) }
        let perMajor = UInt64(currency.minorUnitsPerMajor)
        let fraction = String(magnitude % perMajor)
        let padded = String(repeating: "0", count: digits - fraction.count) + fraction
        return "\(sign)\(magnitude / perMajor).\(padded)"
    }

    /// Parses "12.34", "12.3", "12" as an exact amount of `currency`. More fraction digits than
    /// the currency has, a sign, exponents, separators or anything else is refused: a stake is
    /// never silently rounded.
    public static func parse(_ text: String, currency: Currency) throws(MoneyError) -> Money {
        let trimmed = text.trimmingWhitespace()
        let parts = trimmed.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit)
        else { throw .malformedAmount(text) }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.allSatisfy(\.isASCIIDigit), parts.count == 1 || !fraction.isEmpty else {
            throw .malformedAmount(text)
        }
        guard fraction.count <= currency.minorUnitDigits else {
            throw .tooManyFractionDigits(text, allowed: currency.minorUnitDigits)
        }
        guard let major = Int64(whole) else { throw .overflow(operation: "parse \(text)") }
        let paddedFraction = fraction + String(repeating: "0", count: currency.minorUnitDigits - fraction.count)
        let minor = paddedFraction.isEmpty ? 0 : Int64(paddedFraction)!
        let (scaled, overflowMul) = major.multipliedReportingOverflow(by: currency.minorUnitsPerMajor)
        let (total, overflowAdd) = scaled.addingReportingOverflow(minor)
        if overflowMul || overflowAdd { throw .overflow(operation: "parse \(text)") }
        return Money(minorUnits: total, currency: currency)
    }
}

public enum MoneyError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownCurrency(String)
    case currencyMismatch(Currency, Currency)
    case overflow(operation: String)
    case malformedAmount(String)
    case tooManyFractionDigits(String, allowed: Int)

    public var description: String {
        switch self {
        case .unknownCurrency(let code): "unknown currency code '\(code)'"
        case .currencyMismatch(let a, let b): "amounts in different currencies: \(a) and \(b)"
        case .overflow(let operation): "amount out of range in \(operation)"
        case .malformedAmount(let text): "'\(text)' is not an amount (expected digits with an optional '.' and minor digits)"
        case .tooManyFractionDigits(let text, let allowed):
            "'\(text)' has more than \(allowed) digits after the point for this currency"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
