/// A ticket's public, human-readable identity: `AAAA-SSSS-SSSC`, where `AAAA` is the appliance's
/// code, `SSSSSSS` the ticket's serial on that appliance (its journal sequence number) and `C` a
/// check character, all in Crockford base 32. Unique across the estate (appliance codes are), and
/// a mistyped character or two swapped neighbours at the counter are caught by the check.
public struct TicketID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let applianceCode: ApplianceCode
    public let serial: UInt64
    /// Rendered once: the id is printed, hashed into security codes and stored for every bet.
    public let description: String

    /// Seven base-32 digits: 34 billion tickets per appliance.
    public static let serialLimit: UInt64 = 1 << 35

    public init(applianceCode: ApplianceCode, serial: UInt64) {
        precondition(serial < TicketID.serialLimit, "ticket serial \(serial) out of range")
        self.applianceCode = applianceCode
        self.serial = serial
        var values: [Int] = []
        values.reserveCapacity(12)
        for byte in applianceCode.rawValue.utf8 { values.append(Base32.value(ascii: byte)!) }
        for shift in stride(from: 30, through: 0, by: -5) { values.append(Int(serial >> UInt64(shift) & 31)) }
        values.append(Base32.checkValue(for: values))
        var text: [UInt8] = []
        text.reserveCapacity(14)
        for (index, value) in values.enumerated() {
            if index == 4 || index == 8 { text.append(UInt8(ascii: "-")) }
            text.append(Base32.asciiAlphabet[value])
        }
        self.description = String(decoding: text, as: UTF8.self)
    }

    public static func == (lhs: TicketID, rhs: TicketID) -> Bool {
        lhs.serial == rhs.serial && lhs.applianceCode == rhs.applianceCode
    }

    /// The serial alone: equal ids have equal serials, and hashing the code's string for every
    /// dictionary access in the book's hot path bought nothing (one appliance, one code).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(serial)
    }

    /// Reads a ticket id as typed: case, dashes and spaces do not matter, O/I/L read as 0/1/1.
    public init(parsing text: String) throws(TicketIDError) {
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

    public static func < (lhs: TicketID, rhs: TicketID) -> Bool {
        (lhs.applianceCode.rawValue, lhs.serial) < (rhs.applianceCode.rawValue, rhs.serial)
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
