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

    public static func canonical(method: String, path: String, timestampMillis: Int64, nonce: String, body: some Sequence<UInt8>) -> String {
        "\(method.uppercased())\n\(path)\n\(timestampMillis)\n\(nonce)\n\(encodeHex(SHA256.hash(data: Array(body))))"
    }

    public static func sign(secret: TerminalSecret, method: String, path: String, timestampMillis: Int64, nonce: String,
                            body: some Sequence<UInt8>) -> String {
        let text = canonical(method: method, path: path, timestampMillis: timestampMillis, nonce: nonce, body: body)
        return encodeHex(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: secret.key))
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
    public let key: SymmetricKey
    public let hex: String

    public init?(hex: String) {
        guard let bytes = decodeHex(hex), bytes.count == 32 else { return nil }
        self.key = SymmetricKey(data: bytes)
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
