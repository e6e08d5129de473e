import Foundation
import NIOCore
@testable import Power
import Testing

/// A NUT server that lies: upsd's answer lines as random bytes, mutated good answers, answers for
/// another UPS or variable, odd quoting, numbers past any bound, and byte streams cut anywhere.
@Suite("Fuzzing the NUT client's line parsing")
struct NUTLineFuzzTests {
    static let ups = ["ups", "dummy", "myups", "ups\u{E9}"]
    static let variables = ["ups.status", "battery.charge", "battery.runtime"]
    /// Answers a real upsd gives, with `<ups>` and `<var>` filled in per case.
    static let goodAnswers = [
        #"VAR <ups> <var> "OL""#, #"VAR <ups> <var> "OB LB""#, #"VAR <ups> <var> "OL CHRG FSD""#, #"VAR <ups> <var> "100""#,
        #"VAR <ups> <var> "42.7""#, #"VAR <ups> <var> "1800""#, #"VAR <ups> <var> "say \"hi\" \\ now""#, #"VAR <ups> <var> """#,
        "ERR DATA-STALE", "ERR VAR-NOT-SUPPORTED", "ERR DRIVER-NOT-CONNECTED", "ERR ACCESS-DENIED", "OK", "OK Goodbye", "OK FSD-SET",
    ]
    static let words: [[UInt8]] = ["VAR ", "ERR ", "OK", "OK ", "ups.status", "battery.charge", "battery.runtime", "OL", "OB", "LB",
                                   "FSD", "WAIT", "\"", "\\\"", " ", "dummy"].map { Array($0.utf8) }

    @Test("every answer line parses to what it says, or is refused; a quoted value round-trips")
    func answerLines() async {
        await FuzzCampaign("nut-line", seed: 0x4E55_544C_494E_4501, defaultCases: 20_000).run { input in
            let ups = input.pick(Self.ups)
            let variable: String? = input.chance(percent: 10) ? nil : input.pick(Self.variables)
            // Usually the line is for the UPS and variable asked about, sometimes for others.
            let lineUPS = input.chance(percent: 80) ? ups : input.pick(Self.ups)
            let lineVariable = input.chance(percent: 80) ? variable ?? "ups.status" : input.pick(Self.variables)
            let line: String
            switch input.below(10) {
            case 0, 1:
                line = String(decoding: input.randomBytes(upTo: 300), as: UTF8.self)
            case 2, 3:
                let value = String(decoding: input.mutate(Array("OB LB".utf8), dictionary: Self.words), as: UTF8.self)
                let quoted = NUTQuoting.quote(value)
                line = "VAR \(lineUPS) \(lineVariable) \(quoted)"
                if lineUPS == ups, lineVariable == variable,
                   let problem = Self.roundTrip(line, value: value, ups: ups, variable: lineVariable) {
                    return problem
                }
            default:
                let answer = input.pick(Self.goodAnswers).replacingOccurrences(of: "<ups>", with: lineUPS)
                    .replacingOccurrences(of: "<var>", with: lineVariable)
                line = String(decoding: input.mutate(Array(answer.utf8), dictionary: Self.words), as: UTF8.self)
            }
            return Self.check(line, ups: ups, variable: variable)
        }
    }

    @Test("upsd's byte stream, cut into pieces anywhere, comes out as the same lines; an overlong line is cut off")
    func answerStream() async {
        await FuzzCampaign("nut-stream", seed: 0x4E55_5453_5452_4D02, defaultCases: 1_500).run { input in
            var stream: [UInt8] = []
            for _ in 0..<input.number(in: 0...8) {
                let answer = input.pick(Self.goodAnswers).replacingOccurrences(of: "<ups>", with: "ups")
                    .replacingOccurrences(of: "<var>", with: "ups.status")
                // Overlong lines are the slow ones to feed through, so they are the rarest.
                let line: [UInt8] = switch input.below(24) {
                case 0...2: input.randomBytes(upTo: 200).filter { $0 != 0x0A }
                case 3: input.bytes(count: input.number(in: LineReader.maximumLine - 8...LineReader.maximumLine * 2)).filter { $0 != 0x0A }
                case 4...9: input.mutate(Array(answer.utf8), dictionary: Self.words)
                default: Array(answer.utf8)
                }
                stream += line + (input.chance(percent: 50) ? [0x0D, 0x0A] : [0x0A])
            }
            if input.chance(percent: 20) { stream += input.randomBytes(upTo: 40).filter { $0 != 0x0A } }
            return try await Self.checkStream(stream, pieces: input.chunks(stream))
        }
    }

    /// What a parsed answer may be, whatever the line: a value only from a `VAR` line for exactly
    /// this UPS and variable, an error only from `ERR <code>`, OK only from `OK`; and a value's
    /// reading never out of range.
    static func check(_ line: String, ups: String, variable: String?) -> String? {
        let shown = Shown.text(line)
        switch NUTReply.parse(line, ups: ups, variable: variable) {
        case nil:
            return nil
        case .ok:
            return line == "OK" || line.utf8.starts(with: "OK ".utf8) ? nil : "OK read from \(shown)"
        case .error(let code):
            guard line.utf8.starts(with: "ERR ".utf8), !code.isEmpty, !code.contains(" "), line.contains(code) else {
                return "error code '\(code)' read from \(shown)"
            }
            return nil
        case .value(let value):
            guard let variable, line.utf8.starts(with: "VAR \(ups) \(variable) \"".utf8), line.utf8.last == UInt8(ascii: "\"") else {
                return "a value for \(ups)/\(variable ?? "no variable") read from \(shown)"
            }
            if let problem = roundTrip("VAR \(ups) \(variable) " + NUTQuoting.quote(value), value: value, ups: ups, variable: variable) {
                return problem
            }
            return checkReading(value)
        }
    }

    static func roundTrip(_ line: String, value: String, ups: String, variable: String) -> String? {
        let parsed = NUTReply.parse(line, ups: ups, variable: variable)
        return parsed == .value(value) ? nil : "the quoted value \(Shown.text(value)) in \(Shown.text(line)) parsed as \(String(describing: parsed))"
    }

    /// A value read as status, charge and runtime: the flags as NUT defines them, numbers in range
    /// or ignored, and a plain whole number read as itself.
    static func checkReading(_ value: String) -> String? {
        let observation = NUTReply.observation(status: value, charge: value, runtime: value)
        let flags = Set(value.split(separator: " ").map(String.init))
        let expectedAC: Bool? = flags.contains("OB") ? false : flags.contains("OL") ? true : nil
        guard observation.acPresent == expectedAC, observation.batteryLow == flags.contains("LB"),
              observation.forcedShutdown == flags.contains("FSD") else {
            return "status \(Shown.text(value)) read as \(observation)"
        }
        if let charge = observation.chargePercent, !(0...100).contains(charge) { return "charge \(charge) % from \(Shown.text(value))" }
        if let runtime = observation.runtimeSeconds, !(0...10_000_000).contains(runtime) { return "runtime \(runtime) s from \(Shown.text(value))" }
        if value.utf8.count <= 7, !value.isEmpty, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let whole = Int(value),
           observation.runtimeSeconds != whole || observation.chargePercent != (whole <= 100 ? whole : nil) {
            return "the whole number \(value) read as charge \(String(describing: observation.chargePercent)), runtime \(String(describing: observation.runtimeSeconds))"
        }
        return nil
    }

    /// Feeds `pieces` through the session's line reader and compares with the stream split at
    /// each newline (a CR before it dropped). A line longer than the limit may instead come out
    /// as its first 80 bytes and an ellipsis, once, and the next line follows it.
    static func checkStream(_ stream: [UInt8], pieces: [[UInt8]]) async throws -> String? {
        let segments = stream.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        let complete = segments.dropLast()
        let unterminated = segments.last ?? []
        let (inbound, source) = NIOAsyncChannelInboundStream<ByteBuffer>.makeTestingStream()
        for piece in pieces { source.yield(ByteBuffer(bytes: piece)) }
        source.finish()
        var reader = LineReader(inbound.makeAsyncIterator())
        var index = 0
        while let line = try await reader.next() {
            let segment = index < complete.count ? complete[complete.startIndex + index] : unterminated
            let withoutReturn = segment.last == 0x0D ? Array(segment.dropLast()) : segment
            if index < complete.count, Array(line.utf8) == withoutReturn.decodedUTF8 {
                index += 1
                continue
            }
            let cutOff = String(decoding: segment.prefix(80), as: UTF8.self) + "…"
            guard segment.count > LineReader.maximumLine, line == cutOff else {
                return "line \(index) came out as \(Shown.text(line)) from a stream of \(stream.count) bytes in \(pieces.count) pieces: \(Shown.bytes(stream))"
            }
            // The rest of the overlong line is skipped, and reading goes on with the next one.
            index += 1
        }
        return index >= complete.count ? nil
            : "\(complete.count) lines sent, \(index) read, from \(pieces.count) pieces of \(Shown.bytes(stream))"
    }
}

/// upsd's quoting of a value: in double quotes, with `"` and `\` escaped by a backslash.
enum NUTQuoting {
    static func quote(_ value: String) -> String {
        var quoted = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        return quoted + "\""
    }
}

private extension Array where Element == UInt8 {
    /// The bytes as the reader turns them into a line: invalid UTF-8 replaced, then as UTF-8 again.
    var decodedUTF8: [UInt8] { Array(String(decoding: self, as: UTF8.self).utf8) }
}
