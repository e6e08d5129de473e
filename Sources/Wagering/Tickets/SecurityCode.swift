import Crypto

/// The secret printed on a ticket and asked for at payout: twelve Crockford base-32 characters
/// (60 bits), shown as `XXXX-XXXX-XXXX`.
///
/// It is derived, HMAC-SHA256(appliance ticket key, ticket id), rather than drawn at random, so
/// an idempotent retry of a placement can hand the same code back without the code being stored:
/// the journal keeps only its SHA-256 digest, and reading the journal is not enough to cash a
/// ticket.
public struct SecurityCode: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    public init(for ticket: TicketID, key: TicketKey) {
        var hmac = key.keyedHMAC
        var id = ticket.description
        id.withUTF8 { hmac.update(data: UnsafeRawBufferPointer($0)) }
        // The MAC's first 60 bits, most significant first.
        let bits = hmac.finalize().withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) } >> 4
        self.value = String(Base32.encode(bits, width: 12))
    }

    public init(parsing text: String) throws(SecurityCodeError) {
        guard let canonical = Base32.canonical(text, length: 12) else { throw .malformed }
        self.value = canonical
    }

    /// Without allocating (`Base32.grouped`): every ticket answer prints its code.
    public var description: String {
        var code = value
        return code.withUTF8 { bytes in
            precondition(bytes.count == 12, "a security code is twelve characters")
            return Base32.grouped { bytes[$0] }
        }
    }

    public var digest: SecurityDigest { Digest256(hashing: Array(value.utf8)) }
}

/// SHA-256 of a ticket's security code.
public typealias SecurityDigest = Digest256

/// The appliance's secret for deriving security codes: 32 random bytes, kept beside the journal
/// and never sent anywhere.
public struct TicketKey: Sendable {
    public let bytes: [UInt8]
    /// HMAC already keyed (its inner and outer pads hashed), copied for each code.
    let keyedHMAC: HMAC<SHA256>

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
        self.keyedHMAC = HMAC<SHA256>(key: SymmetricKey(data: bytes))
    }

    public static func generate<Source: RandomNumberGenerator>(using random: inout Source) -> TicketKey {
        var bytes: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: random.next()) { bytes.append(contentsOf: $0) } }
        return TicketKey(bytes: bytes)!
    }
}

public enum SecurityCodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed
    public var description: String { "a security code is 12 characters like 'K7QM-3M9P-2QX4'" }
}
