/// Parsing of upsd's network protocol (NUT's docs/net-protocol.txt): one request per line, one
/// answer line per `GET VAR`, either `VAR <ups> <name> "<value>"` or `ERR <code>`.
enum NUTReply: Equatable {
    case value(String)
    case error(String)
    case ok

    /// Reads one answer line; nil for anything that is not upsd talking (a garbage line).
    ///
    /// Works on the line's UTF-8 bytes, not its characters: a value that starts with a combining
    /// mark would otherwise fuse with the opening quote into one character and hide it.
    static func parse(_ line: String, ups: String, variable: String?) -> NUTReply? {
        let bytes = Array(line.utf8)
        if bytes == Array("OK".utf8) || bytes.starts(with: "OK ".utf8) { return .ok }
        if bytes.starts(with: "ERR ".utf8) {
            let code = bytes.dropFirst(4).split(separator: UInt8(ascii: " "), maxSplits: 1).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
            return code.isEmpty ? nil : .error(code)
        }
        guard let variable else { return nil }
        let prefix = Array("VAR \(ups) \(variable) ".utf8)
        guard bytes.starts(with: prefix) else { return nil }
        return unquote(bytes[prefix.count...]).map(NUTReply.value)
    }

    /// A double-quoted value with `\"` and `\\` escapes, which must end the line.
    static func unquote(_ text: ArraySlice<UInt8>) -> String? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        guard text.first == quote else { return nil }
        var value: [UInt8] = []
        var escaped = false
        for index in text.indices.dropFirst() {
            let byte = text[index]
            if escaped {
                value.append(byte)
                escaped = false
            } else if byte == backslash {
                escaped = true
            } else if byte == quote {
                return index == text.index(before: text.endIndex) ? String(decoding: value, as: UTF8.self) : nil
            } else {
                value.append(byte)
            }
        }
        return nil
    }

    /// What `ups.status` says, as an observation (OL, OB, LB and FSD; other flags do not matter here).
    static func observation(status: String, charge: String?, runtime: String?) -> PowerObservation {
        let flags = Set(status.split(separator: " ").map(String.init))
        let acPresent: Bool? = flags.contains("OB") ? false : flags.contains("OL") ? true : nil
        return PowerObservation(acPresent: acPresent, batteryLow: flags.contains("LB"),
                                chargePercent: charge.flatMap { number($0, in: 0...100) },
                                runtimeSeconds: runtime.flatMap { number($0, in: 0...10_000_000) },
                                forcedShutdown: flags.contains("FSD"))
    }

    /// A reading as a whole number, or nil when upsd sends something no UPS could mean ("nan",
    /// "1e400", -3): such a value is ignored, never trusted and never allowed to trap.
    static func number(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = Double(text), value.isFinite, value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            return nil
        }
        return Int(value)
    }
}
