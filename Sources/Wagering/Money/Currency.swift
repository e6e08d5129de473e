/// An ISO 4217 currency and how many minor-unit digits it has (2 for GBP: 1 pound = 100 pence).
///
/// Only currencies in ``Currency/known`` exist: an appliance that met an unknown code would not
/// know how to print or parse its amounts, so the code is refused where it enters.
///
/// Packed into four bytes (the code's three letters and the digit count) rather than held as a
/// string: every `Money` carries its currency, and boards, bets and their records hold many.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    /// The code's three ASCII letters in the low bytes, the minor-unit digits in the high one.
    private let packed: UInt32

    public var code: String {
        withUnsafeBytes(of: packed.littleEndian) { String(decoding: $0.prefix(3), as: UTF8.self) }
    }

    public var minorUnitDigits: Int { Int(packed >> 24) }

    private init(uncheckedCode code: String, minorUnitDigits: Int) {
        let letters = Array(code.utf8)
        precondition(letters.count == 3 && (0...9).contains(minorUnitDigits), "a currency is three letters and 0-9 digits: \(code)")
        packed = UInt32(letters[0]) | UInt32(letters[1]) << 8 | UInt32(letters[2]) << 16 | UInt32(minorUnitDigits) << 24
    }

    /// Looks the code up in ``known``; the error names the code.
    public init(code: String) throws(MoneyError) {
        guard let found = Currency.known[code.uppercased()] else {
            throw .unknownCurrency(code)
        }
        self = found
    }

    public var description: String { code }

    /// 10^minorUnitDigits: minor units per major unit.
    public var minorUnitsPerMajor: Int64 {
        var result: Int64 = 1
        for _ in 0..<minorUnitDigits { result *= 10 }
        return result
    }

    public static let gbp = Currency(uncheckedCode: "GBP", minorUnitDigits: 2)
    public static let eur = Currency(uncheckedCode: "EUR", minorUnitDigits: 2)
    public static let usd = Currency(uncheckedCode: "USD", minorUnitDigits: 2)
    public static let jpy = Currency(uncheckedCode: "JPY", minorUnitDigits: 0)
    public static let kwd = Currency(uncheckedCode: "KWD", minorUnitDigits: 3)

    /// The currencies a venue appliance may be configured with.
    public static let known: [String: Currency] = {
        var table: [String: Currency] = [:]
        let twoDigit = ["GBP", "EUR", "USD", "AUD", "CAD", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK",
                        "HUF", "RON", "BGN", "ZAR", "NZD", "MXN", "BRL", "INR", "SGD", "HKD"]
        for code in twoDigit { table[code] = Currency(uncheckedCode: code, minorUnitDigits: 2) }
        for code in ["JPY", "KRW", "ISK", "CLP"] { table[code] = Currency(uncheckedCode: code, minorUnitDigits: 0) }
        for code in ["KWD", "BHD", "OMR", "JOD", "TND"] { table[code] = Currency(uncheckedCode: code, minorUnitDigits: 3) }
        return table
    }()
}

extension Currency: Codable {
    public init(from decoder: any Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(code: code)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
