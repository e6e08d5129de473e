// libFuzzer harness for the NUT client's answer-line parser (Sources/Power/Sources/NUTProtocol.swift),
// built by scripts/fuzz-libfuzzer. The properties mirror Tests/FuzzTests/NUTLineFuzzTests.swift: OK,
// ERR and a value only from lines that say so, a value only for the UPS and variable asked about,
// quoted values round-trip, and readings stay in range. The first input byte picks the variable
// asked about.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNUTLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let variables: [String?] = [nil, "ups.status", "battery.charge", "battery.runtime"]
    let variable = variables[Int(input.first ?? 0) % variables.count]
    let line = String(decoding: input.dropFirst(), as: UTF8.self)
    switch NUTReply.parse(line, ups: "ups", variable: variable) {
    case nil: break
    case .ok?: precondition(line == "OK" || line.utf8.starts(with: "OK ".utf8), "OK read from another line")
    case .error(let code)?: precondition(line.utf8.starts(with: "ERR ".utf8) && !code.isEmpty && !code.contains(" "), "a bad error code")
    case .value(let value)?:
        guard let variable else { preconditionFailure("a value without a variable asked about") }
        precondition(line.utf8.starts(with: "VAR ups \(variable) \"".utf8) && line.utf8.last == UInt8(ascii: "\""), "a value from another UPS's or variable's line")
        var quoted = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\\" || scalar == "\"" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        precondition(NUTReply.parse("VAR ups \(variable) \(quoted)\"", ups: "ups", variable: variable) == .value(value), "no round trip")
        let reading = NUTReply.observation(status: value, charge: value, runtime: value)
        precondition(reading.chargePercent.map { (0...100).contains($0) } ?? true, "charge out of range")
        precondition(reading.runtimeSeconds.map { (0...10_000_000).contains($0) } ?? true, "runtime out of range")
    }
    return 0
}
