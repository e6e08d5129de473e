/// Reads a strict subset of JSON straight from bytes, for the bet path's hot JSON: the slip a
/// kiosk sends, and the `bet.placed` record a retry or a start-up reads back.
///
/// It declines (throws ``Declined``) anything outside the subset: escapes or control characters
/// in strings, numbers with a fraction or an exponent, numbers that do not fit, invalid UTF-8,
/// and every kind of malformed JSON. A caller then reads the same bytes with `JSONDecoder`,
/// which accepts all of JSON and names what is wrong; so this reader only has to be right on what
/// it accepts, never to explain a refusal. Written by hand because `JSONDecoder`'s keyed
/// containers were the largest single cost in holdfastd under load (docs/benchmarks-history.md,
/// "Terminal API"), and no JSON library in the project's package set reads bytes into a struct.
///
/// Valid only while `bytes` is: use it inside `withUnsafeBytes`.
public struct JSONBytesReader {
    /// The bytes are outside the subset this reader takes, or not JSON.
    public struct Declined: Error {
        public init() {}
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Starts an object: `{`.
    public mutating func beginObject() throws(Declined) {
        try consume(UInt8(ascii: "{"))
    }

    /// The next key of the current object, or nil once its `}` is read. `first` is true before
    /// the object's first key and is kept by the caller, one per object.
    public mutating func nextKey(first: inout Bool) throws(Declined) -> String? {
        guard try nextMember(closing: UInt8(ascii: "}"), first: &first) else { return nil }
        let key = try string()
        try consume(UInt8(ascii: ":"))
        return key
    }

    /// Reads a whole object, handing each key to `member`, which reads that key's value.
    public static func readObject(_ reader: inout JSONBytesReader,
                                  _ member: (String, inout JSONBytesReader) throws(Declined) -> Void) throws(Declined) {
        try reader.beginObject()
        var first = true
        while let key = try reader.nextKey(first: &first) { try member(key, &reader) }
    }

    /// Starts an array: `[`.
    public mutating func beginArray() throws(Declined) {
        try consume(UInt8(ascii: "["))
    }

    /// Whether another element follows in the current array (false once its `]` is read).
    public mutating func nextElement(first: inout Bool) throws(Declined) -> Bool {
        try nextMember(closing: UInt8(ascii: "]"), first: &first)
    }

    /// A string without escapes or control characters, valid UTF-8.
    public mutating func string() throws(Declined) -> String {
        try consume(UInt8(ascii: "\""))
        let start = index
        var asciiOnly = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let content = UnsafeRawBufferPointer(rebasing: bytes[start..<index])
                index += 1
                // ASCII is valid UTF-8, so the ids and codes of a slip skip validation: the
                // standard library's `String(validating:as:)` runs unspecialized, looking up
                // generic metadata on every call (about 1 % of holdfastd's CPU under load).
                if asciiOnly { return String(decoding: content, as: UTF8.self) }
                guard let text = String(validating: content, as: UTF8.self) else { throw Declined() }
                return text
            }
            guard byte >= 0x20, byte != UInt8(ascii: "\\") else { throw Declined() }
            asciiOnly = asciiOnly && byte < 0x80
            index += 1
        }
        throw Declined()
    }

    /// A whole number in JSON's integer form (no leading zeros, fraction or exponent) that fits
    /// `Integer`; unsigned types take no sign.
    public mutating func integer<Integer: FixedWidthInteger>(_ type: Integer.Type) throws(Declined) -> Integer {
        skipWhitespace()
        let negative = peek() == UInt8(ascii: "-")
        if negative {
            guard Integer.isSigned else { throw Declined() }
            index += 1
        }
        let start = index
        var value: Integer = 0
        while let digit = peek(), digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") {
            let (times10, overflowA) = value.multipliedReportingOverflow(by: 10)
            let digitValue = Integer(digit - UInt8(ascii: "0"))
            // Accumulated towards the sign, so Int64.min fits.
            let (next, overflowB) = negative ? times10.subtractingReportingOverflow(digitValue) : times10.addingReportingOverflow(digitValue)
            guard !overflowA, !overflowB else { throw Declined() }
            value = next
            index += 1
        }
        let digits = index - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0") else { throw Declined() }
        if let next = peek(), next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E") { throw Declined() }
        return value
    }

    /// `true` or `false`.
    public mutating func boolean() throws(Declined) -> Bool {
        skipWhitespace()
        if follows("true") {
            index += 4
            return true
        }
        if follows("false") {
            index += 5
            return false
        }
        throw Declined()
    }

    /// Nothing but whitespace is left.
    public mutating func end() throws(Declined) {
        skipWhitespace()
        guard index == bytes.count else { throw Declined() }
    }

    /// Reads `closing` (false), or the comma before every member but the first (true).
    private mutating func nextMember(closing: UInt8, first: inout Bool) throws(Declined) -> Bool {
        skipWhitespace()
        if peek() == closing {
            index += 1
            return false
        }
        if !first { try consume(UInt8(ascii: ",")) }
        first = false
        return true
    }

    private func follows(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        return literal.withUTF8Buffer { $0.elementsEqual(bytes[index..<index + count]) }
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func consume(_ byte: UInt8) throws(Declined) {
        skipWhitespace()
        guard peek() == byte else { throw Declined() }
        index += 1
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }
}
