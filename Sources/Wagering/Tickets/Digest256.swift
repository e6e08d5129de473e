import Crypto

/// A SHA-256 digest (a ticket's security code's, a bet request's); encoded as lowercase hex.
///
/// Held inline as four words rather than as a byte array or a hex string: every open ticket in
/// the book keeps one, and each array or string was a heap allocation of its own, 80-100 bytes
/// with its header (docs/benchmarks-history.md, "Memory per open ticket").
public struct Digest256: Hashable, Sendable, Codable {
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// `bytes` must be a SHA-256 digest: 32 bytes.
    public init(bytes: [UInt8]) {
        self = bytes.withUnsafeBytes { Digest256(copying: $0) }
    }

    public init(hashing bytes: [UInt8]) {
        self = SHA256.hash(data: bytes).withUnsafeBytes { Digest256(copying: $0) }
    }

    private init(copying bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 32, "a SHA-256 digest is 32 bytes, got \(bytes.count)")
        words = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: bytes) }
    }

    /// 64 hex digits, either case. Decoded straight into the words: every start-up reads two of
    /// these per open ticket, and going through `decodeHex`'s arrays was the largest single cost
    /// left in reading a record (docs/BENCHMARKS.md, "Start-up").
    public init?(hex: String) {
        var text = hex
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let decoded = text.withUTF8 { digits in
            guard digits.count == 64 else { return false }
            return withUnsafeMutableBytes(of: &words) { bytes in
                for index in 0..<32 {
                    guard let high = hexValue(digits[2 * index]), let low = hexValue(digits[2 * index + 1]) else { return false }
                    bytes[index] = high << 4 | low
                }
                return true
            }
        }
        guard decoded else { return nil }
        self.words = words
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// The 32 bytes, without copying them into an array.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public var hex: String { withUnsafeBytes { encodeHex($0) } }

    /// Compares without an early exit, so timing does not reveal how much of a guess was right.
    public func matches(_ other: Digest256) -> Bool {
        let difference = (words.0 ^ other.words.0) | (words.1 ^ other.words.1) | (words.2 ^ other.words.2) | (words.3 ^ other.words.3)
        return difference == 0
    }

    public static func == (lhs: Digest256, rhs: Digest256) -> Bool { lhs.matches(rhs) }

    public func hash(into hasher: inout Hasher) {
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let digest = Digest256(hex: try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a SHA-256 digest is 64 hex digits")
        }
        self = digest
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
