import Foundation

/// Whether a decoding failure says where the body is wrong, as the terminal API and central
/// promise their clients.
enum DecodingFailure {
    /// Nil when the error names the field at fault, or when the body is not even a JSON object
    /// (then there is no field to name); otherwise what is wrong.
    static func unnamed(_ error: DecodingError, in bytes: [UInt8]) -> String? {
        let context: DecodingError.Context
        switch error {
        case .keyNotFound: return nil
        case .typeMismatch(_, let found), .valueNotFound(_, let found), .dataCorrupted(let found): context = found
        @unknown default: return "an unknown DecodingError \(error)"
        }
        guard context.codingPath.isEmpty, isJSONObject(bytes), !holdsNumberThatMayNotFit(bytes) else { return nil }
        return "a decoding error that names no field, for the JSON object \(Shown.bytes(bytes)): \(context.debugDescription)"
    }

    /// Whether the body has a number that may not fit an integer field: a fraction, an exponent,
    /// a sign, more digits than 64 bits hold. Foundation's JSONDecoder on Linux reports such a
    /// number as "The given data was not valid JSON." at the root, naming no field
    /// (swiftlang/swift-foundation#274, open). The terminal API names the field anyway
    /// (`decodeInteger`); the sync wire does not yet, so its fuzzing excuses such bodies
    /// (docs/FUZZING.md, "Found").
    static func holdsNumberThatMayNotFit(_ bytes: [UInt8]) -> Bool {
        var inString = false
        var escaped = false
        var number: [UInt8] = []
        func endsSuspiciousNumber() -> Bool {
            defer { number = [] }
            return !number.isEmpty && Int64(String(decoding: number, as: UTF8.self)).map { $0 < 0 } ?? true
        }
        for byte in bytes {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if (0x30...0x39).contains(byte) || byte == UInt8(ascii: "-") || !number.isEmpty && Array("+.eE".utf8).contains(byte) {
                number.append(byte)
            } else {
                if endsSuspiciousNumber() { return true }
                inString = byte == UInt8(ascii: "\"")
            }
        }
        return endsSuspiciousNumber()
    }

    static func isJSONObject(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) is [String: Any]
    }
}
