/// A ticket's public, human-readable identity: `AAAA-SSSS-SSSC`, where `AAAA` is the appliance's
/// code, `SSSSSSS` the ticket's serial on that appliance (its journal sequence number) and `C` a
/// check character, all in Crockford base 32. Unique across the estate (appliance codes are), and
/// a mistyped character or two swapped neighbours at the counter are caught by the check.
public struct TicketID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The id's eleven base-32 digits before the check character, most significant first: the
    /// appliance code's four in bits 35-54, the serial's seven below them. One word, because the
    /// book holds several ids per open ticket (its key and its markets' indexes), so every byte of
    /// an id is paid several times over by every open ticket (docs/benchmarks-history.md,
    /// "Memory per open ticket"). Ordering the words orders the ids by code, then serial.
    private let digits: UInt64

    /// Seven base-32 digits: 34 billion tickets per appliance.
    public static let serialLimit: UInt64 = 1 << 35

    public var serial: UInt64 { digits & (Self.serialLimit - 1) }

    public var applianceCode: ApplianceCode { ApplianceCode(base32Digits: digits >> 35) }

    private init(digits: UInt64) {
        self.digits = digits
    }

    public init(applianceCode: ApplianceCode, serial: UInt64) {
        precondition(serial < TicketID.serialLimit, "ticket serial \(serial) out of range")
        digits = applianceCode.base32Digits << 35 | serial
    }

    /// `AAAA-SSSS-SSSC`, rendered when asked. Fourteen ASCII bytes make a small string, which
    /// Swift keeps inline, so rendering allocates nothing.
    public var description: String {
        let check = Base32.asciiAlphabet[checkValue]
        return Base32.grouped { $0 < 11 ? Base32.asciiAlphabet[digit($0)] : check }
    }

    /// The id's base-32 digit at `index` (0 to 10), most significant first.
    private func digit(_ index: Int) -> Int {
        Int(digits >> UInt64(5 * (10 - index)) & 31)
    }

    /// The check character's value: `Base32.checkValue(for:)` over the eleven digits, without
    /// an array (the last digit is doubled).
    private var checkValue: Int {
        (0..<11).reduce(0) { $0 ^ Base32.checkAddend(digit($1), doubled: (10 - $1) % 2 == 0) }
    }

    /// Reads a ticket id as typed: case, dashes and spaces do not matter, O/I/L read as 0/1/1.
    public init(parsing text: String) throws(TicketIDError) {
        if let digits = Self.canonicalDigits(text) {
            self.init(digits: digits)
            return
        }
        let compact = Base32.normalized(text)
        guard compact.count == 12 else { throw .wrongLength(text) }
        var values: [Int] = []
        for character in compact {
            guard let value = Base32.value(of: character) else { throw .invalidCharacter(text, character) }
            values.append(value)
        }
        guard Base32.checkValue(for: Array(values.prefix(11))) == values[11] else {
            throw .checkCharacterMismatch(text)
        }
        let code = String(values.prefix(4).map { Base32.alphabet[$0] })
        let serial = values[4..<11].reduce(UInt64(0)) { $0 << 5 | UInt64($1) }
        self.init(applianceCode: try! ApplianceCode(code), serial: serial)
    }

    /// The digits of `text` when it is exactly as `description` renders an id, as the journal's
    /// records and the API carry it, with a correct check character; nil sends every other text
    /// to the forgiving reading above, which also names what is wrong. Reading records at start-up
    /// spent 15 % of its time in that path's `Character` work (docs/BENCHMARKS.md).
    private static func canonicalDigits(_ text: String) -> UInt64? {
        var text = text
        return text.withUTF8 { bytes -> UInt64? in
            guard bytes.count == 14, bytes[4] == UInt8(ascii: "-"), bytes[9] == UInt8(ascii: "-") else { return nil }
            var digits: UInt64 = 0
            for position in 0..<13 where position != 4 && position != 9 {
                guard let value = Base32.value(ascii: bytes[position]) else { return nil }
                digits = digits << 5 | UInt64(value)
            }
            guard Base32.value(ascii: bytes[13]) == TicketID(digits: digits).checkValue else { return nil }
            return digits
        }
    }

    public static func < (lhs: TicketID, rhs: TicketID) -> Bool {
        lhs.digits < rhs.digits
    }
}

extension TicketID: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            try self.init(parsing: try container.decode(String.self))
        } catch let error as TicketIDError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Four Crockford base-32 characters naming one appliance in ticket ids.
///
/// Packed into four bytes rather than held as a string: every ticket id carries one, and the
/// book holds several ids per open ticket (its key, and its markets' indexes).
public struct ApplianceCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The four ASCII characters, first in the low byte.
    private let packed: UInt32

    public var rawValue: String {
        withUnsafeBytes(of: packed.littleEndian) { String(decoding: $0, as: UTF8.self) }
    }

    public init(_ text: String) throws(TicketIDError) {
        guard let canonical = Base32.canonical(text, length: 4) else { throw .invalidApplianceCode(text) }
        packed = canonical.utf8.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The code as four base-32 digits (20 bits), first character most significant.
    var base32Digits: UInt64 {
        (0..<4).reduce(UInt64(0)) { digits, index in
            digits << 5 | UInt64(Base32.value(ascii: UInt8(truncatingIfNeeded: packed >> UInt32(8 * index)))!)
        }
    }

    init(base32Digits: UInt64) {
        precondition(base32Digits >> 20 == 0, "an appliance code is four base-32 digits")
        packed = (0..<4).reduce(UInt32(0)) { packed, index in
            packed | UInt32(Base32.asciiAlphabet[Int(base32Digits >> UInt64(5 * (3 - index)) & 31)]) << UInt32(8 * index)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}

public enum TicketIDError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongLength(String)
    case invalidCharacter(String, Character)
    case checkCharacterMismatch(String)
    case invalidApplianceCode(String)

    public var description: String {
        switch self {
        case .wrongLength(let text): "'\(text)' is not a ticket id: expected 12 characters like 'HF01-0000-01AX'"
        case .invalidCharacter(let text, let character): "'\(text)' is not a ticket id: '\(character)' is not a ticket character"
        case .checkCharacterMismatch(let text): "'\(text)' fails its check character: probably mistyped, please read it again"
        case .invalidApplianceCode(let text): "'\(text)' is not an appliance code: expected 4 characters from 0-9 and A-Z without I, L, O, U"
        }
    }
}
