public import Crypto
import Wagering

/// How a terminal signs each request (docs/terminal-api.md, "Authentication"):
///
///     canonical = METHOD "\n" PATH "\n" TIMESTAMP "\n" NONCE "\n" hex(SHA-256(body))
///     signature = hex(HMAC-SHA256(terminal secret, canonical))
///
/// sent in the `X-Holdfast-Terminal`, `X-Holdfast-Timestamp` (Unix milliseconds),
/// `X-Holdfast-Nonce` and `X-Holdfast-Signature` headers. PATH includes the query string.
public enum RequestSignature {
    public static let terminalHeader = "X-Holdfast-Terminal"
    public static let timestampHeader = "X-Holdfast-Timestamp"
    public static let nonceHeader = "X-Holdfast-Nonce"
    public static let signatureHeader = "X-Holdfast-Signature"

    /// The signature of a request, as the terminal sends it and the appliance recomputes it for
    /// every request it serves, so the canonical text is built as bytes and fed to an HMAC keyed
    /// once per terminal (its pads hashed) rather than rebuilt from the secret each time.
    public static func sign(secret: TerminalSecret, method: String, path: String, timestampMillis: Int64, nonce: String,
                            body: some Sequence<UInt8>) -> String {
        let bodyDigest = body.withContiguousStorageIfAvailable { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
            ?? SHA256.hash(data: Array(body))
        var canonical: [UInt8] = []
        canonical.reserveCapacity(method.utf8.count + path.utf8.count + nonce.utf8.count + 88)
        for byte in method.utf8 {
            canonical.append(UInt8(ascii: "a") <= byte && byte <= UInt8(ascii: "z") ? byte - 32 : byte)
        }
        for field in [path.utf8, String(timestampMillis).utf8, nonce.utf8] {
            canonical.append(UInt8(ascii: "\n"))
            canonical.append(contentsOf: field)
        }
        canonical.append(UInt8(ascii: "\n"))
        appendHex(of: bodyDigest, to: &canonical)
        var code = secret.keyedHMAC
        code.update(data: canonical)
        return encodeHex(code.finalize())
    }

    /// Constant-time comparison of a presented signature with the expected one.
    public static func matches(_ presented: String, _ expected: String) -> Bool {
        let (a, b) = (Array(presented.lowercased().utf8), Array(expected.utf8))
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}

/// A terminal's shared secret: 32 bytes, written as 64 hex digits in the configuration.
public struct TerminalSecret: Sendable {
    public let hex: String
    /// HMAC-SHA256 already keyed with the secret, copied for each signature.
    let keyedHMAC: HMAC<SHA256>

    public init?(hex: String) {
        guard let bytes = decodeHex(hex), bytes.count == 32 else { return nil }
        self.keyedHMAC = HMAC<SHA256>(key: SymmetricKey(data: bytes))
        self.hex = hex.lowercased()
    }

    public static func generate<Source: RandomNumberGenerator>(using random: inout Source) -> TerminalSecret {
        var bytes: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: random.next()) { bytes.append(contentsOf: $0) } }
        return TerminalSecret(hex: encodeHex(bytes))!
    }
}

/// What a terminal may do: kiosks sell; staff terminals also look up, pay out and void.
public enum TerminalRole: String, Sendable, Codable, CaseIterable {
    case kiosk
    case staff
}
