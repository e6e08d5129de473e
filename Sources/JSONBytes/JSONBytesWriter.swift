/// Writes JSON straight into bytes, for the few documents on the bet path where Foundation's
/// `JSONEncoder` costs too much: its `Codable` boxing, not the writing, dominated profiles of the
/// journal writer and of `holdfastd` (docs/BENCHMARKS.md). Every document written with it keeps
/// its `Codable` conformance for reading, and a test holds the two to the same JSON.
///
/// Inlinable, so the journal writer's and the daemon's calls are specialized and inlined in
/// their own modules: called across the module boundary, `integer` ran unspecialized through
/// `BinaryInteger`'s witness table, and every call was a call.
public struct JSONBytesWriter: Sendable {
    @usableFromInline var storage: [UInt8] = []

    public var bytes: [UInt8] { storage }

    @inlinable
    public init(capacity: Int) {
        storage.reserveCapacity(capacity)
    }

    /// `"name":`; names are the document's own keys, never input, so they are not escaped.
    @inlinable
    public mutating func key(_ name: StaticString) {
        storage.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { storage.append(contentsOf: $0) }
        storage.append(UInt8(ascii: "\""))
        storage.append(UInt8(ascii: ":"))
    }

    /// JSON punctuation or a literal, written as is.
    @inlinable
    public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { storage.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
    }

    /// Decimal digits written in place, without building a `String` per number.
    @inlinable
    public mutating func integer<T: BinaryInteger>(_ value: T) {
        if value < 0 { storage.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = storage.count
        repeat {
            storage.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        storage[start...].reverse()
    }

    /// A string of lowercase hex digits.
    @inlinable
    public mutating func hexString(_ value: some Sequence<UInt8>) {
        storage.append(UInt8(ascii: "\""))
        for byte in value {
            storage.append(Self.hexDigit(byte >> 4))
            storage.append(Self.hexDigit(byte & 0xF))
        }
        storage.append(UInt8(ascii: "\""))
    }

    /// A JSON string: quote, backslash and control characters escaped (RFC 8259, section 7).
    @inlinable
    public mutating func string(_ value: String) {
        storage.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                storage.append(Self.hexDigit(byte >> 4))
                storage.append(Self.hexDigit(byte & 0xF))
            default: storage.append(byte)
            }
        }
        storage.append(UInt8(ascii: "\""))
    }

    @inlinable
    static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
