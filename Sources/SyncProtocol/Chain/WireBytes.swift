import Foundation
import Wagering

/// Byte fields in the protocol's JSON: digests as 64 lowercase hex digits, payloads as base64.
/// A wrong field fails decoding with its name, so a peer's bug is reported where it is.
enum WireBytes {
    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    static func decodeBase64<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> [UInt8] {
        let text = try container.decode(String.self, forKey: key)
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(key.stringValue) is not base64")
        }
        return Array(data)
    }

    static func decodeDigest<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws -> [UInt8] {
        let text = try container.decode(String.self, forKey: key)
        guard let bytes = decodeHex(text), bytes.count == 32 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                                   debugDescription: "\(key.stringValue) is not a SHA-256 digest in 64 hex digits")
        }
        return bytes
    }
}
