/// Parsing of upsd's network protocol (NUT's docs/net-protocol.txt): one request per line, one
/// answer line per `GET VAR`, either `VAR <ups> <name> "<value>"` or `ERR <code>`.
enum NUTReply: Equatable {
    case value(String)
    case error(String)
    case ok

    /// Reads one answer line; nil for anything that is not upsd talking (a garbage line).
    static func parse(_ line: String, ups: String, variable: String?) -> NUTReply? {
        if line == "OK" || line.hasPrefix("OK ") { return .ok }
        if line.hasPrefix("ERR ") {
            let code = line.dropFirst(4).split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            return code.isEmpty ? nil : .error(code)
        }
        guard let variable, line.hasPrefix("VAR \(ups) \(variable) \"") else { return nil }
        return unquote(line.dropFirst("VAR \(ups) \(variable) ".count)).map(NUTReply.value)
    }

    /// A double-quoted value with `\"` and `\\` escapes, which must end the line.
    static func unquote(_ text: Substring) -> String? {
        guard text.first == "\"" else { return nil }
        var value = ""
        var escaped = false
        for (offset, character) in text.dropFirst().enumerated() {
            if escaped {
                value.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                return offset == text.count - 2 ? value : nil
            } else {
                value.append(character)
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
