import Foundation
@testable import Power
import Testing

/// The whole NUT session against a upsd that lies over real TCP: what reaches the supervisor is
/// always a sane reading or a stale event with a reason, and an honest upsd's reading arrives intact.
@Suite("Fuzzing the NUT client's session")
struct NUTSessionFuzzTests {
    static let statuses = ["OL", "OB", "OB LB", "OL CHRG", "OB DISCHRG LB FSD", "WAIT", "OL BOOST", ""]
    static let readings = ["100", "42.7", "0", "-3", "101", "nan", "1e400", "9999999999", "", "12abc"]

    @Test("a upsd that lies gets a stale event with a reason, never a reading out of range; an honest one is read exactly")
    func lyingServer() async throws {
        let daemon = try LyingUPSDaemon()
        await FuzzCampaign("nut-session", seed: 0x4E55_5453_4553_5303, defaultCases: 250).run { input in
            let honest = input.chance(percent: 40)
            let login = input.chance(percent: 30)
            var answers: [LyingUPSDaemon.Script.Answer] = []
            for _ in 0..<input.number(in: 1...10) {
                answers.append(honest || input.chance(percent: 40) ? .truth : .lie(Self.lie(&input)))
            }
            let script = LyingUPSDaemon.Script(ups: "ups", status: input.pick(Self.statuses), charge: input.pick(Self.readings),
                                               runtime: input.pick(Self.readings), answers: answers)
            let served = daemon.serveOne(script)
            // An honest upsd always answers at once, so its timeout costs nothing and only has to
            // outlast a starved client: 60 s, against over 5 s seen under ThreadSanitizer with the
            // whole suite running, and within the case's hang limit (CrashReport). A lying one may
            // stay silent, and each silence costs the whole timeout; whichever way its 300 ms race
            // with a late answer goes, the session ends with a reason, which is all that is checked.
            let settings = NUTPowerSource.Settings(port: daemon.port, ups: "ups", username: login ? "monitor" : nil,
                                                   password: login ? "secret" : nil, pollInterval: .milliseconds(1),
                                                   answerTimeout: honest ? .seconds(60) : .milliseconds(300), maximumBackoff: .seconds(1))
            let log = EventLog<PowerSourceEvent>()
            var last: PowerSourceEvent?
            let outcome = await NUTSession.run(settings, deduplicating: &last, emit: { log.append($0) })
            for await _ in served {}
            let shown = "\(answers.count) answers (\(honest ? "honest" : "lying"), login \(login)): \(script.answers.map(Self.describe))"
            if let problem = Self.checkInvariants(outcome, events: log.all) { return "\(problem) after \(shown)" }
            guard honest else { return nil }
            return Self.checkHonest(script, login: login, outcome: outcome, events: log.all).map { "\($0) after \(shown)" }
        }
    }

    @Test("a upsd that stops answering is reported as silent, naming the request, not as hanging up")
    func silentServer() async throws {
        let daemon = try LyingUPSDaemon()
        // upsd answers the first request, then says nothing until the client hangs up, so the
        // silence outlasts the client's timeout however late that fires. The silence costs the
        // whole timeout, so the first try is short; a client starved past it before the first
        // answer came (the reason then names ups.status, which upsd did answer) tries again with a
        // longer one, and 60 s outlasts any starvation seen under a sanitizer on a busy machine.
        let tries: [(timeout: Duration, shown: String)] = [(.seconds(2), "2.0 seconds"), (.seconds(15), "15.0 seconds"),
                                                           (.seconds(60), "60.0 seconds")]
        for (index, attempt) in tries.enumerated() {
            let served = daemon.serveOne(LyingUPSDaemon.Script(ups: "ups", status: "OL", charge: "100", runtime: "900",
                                                               answers: [.truth, .silence]))
            let settings = NUTPowerSource.Settings(port: daemon.port, ups: "ups", pollInterval: .milliseconds(1),
                                                   answerTimeout: attempt.timeout, maximumBackoff: .seconds(1))
            var last: PowerSourceEvent?
            let outcome = await NUTSession.run(settings, deduplicating: &last, emit: { _ in })
            for await _ in served {}
            if outcome.reason == "upsd did not answer GET VAR ups.status within \(attempt.shown)", index < tries.count - 1 { continue }
            #expect(outcome.reason == "upsd did not answer GET VAR battery.charge within \(attempt.shown)")
            #expect(!outcome.wasHealthy)
            return
        }
    }

    static func lie(_ input: inout Mutator) -> [UInt8] {
        let truth = Array(#"VAR ups ups.status "OL""#.utf8)
        return switch input.below(12) {
        case 0, 1: input.randomBytes(upTo: 120).filter { $0 != 0x0A } + [0x0A]
        case 2, 3, 4: input.mutate(truth, dictionary: NUTLineFuzzTests.words) + [0x0A]
        case 5: Array("ERR \(String(decoding: input.token([]), as: UTF8.self))\n".utf8)
        case 6: Array("OK\n".utf8)
        case 7: Array(#"VAR other ups.status "OB"\#n"#.utf8)
        case 8: truth + [0x0A] + truth + [0x0A]
        case 9: [0x0A]
        case 10: Array(repeating: UInt8(ascii: "x"), count: 5_000) + [0x0A]
        // Silence is rare: each one costs the whole answer timeout.
        default: input.chance(percent: 10) ? [] : Array(#"VAR ups battery.charge "-1"\#n"#.utf8)
        }
    }

    /// Whatever upsd says: a reason for ending, a reading in range, no event twice in a row, and
    /// "healthy" exactly when a reading was made.
    static func checkInvariants(_ outcome: NUTSession.Outcome, events: [PowerSourceEvent]) -> String? {
        guard !outcome.reason.isEmpty else { return "the session ended without a reason" }
        if outcome.reason.hasPrefix("garbage"), outcome.reason.count > 110 { return "a garbage reason of \(outcome.reason.count) characters" }
        for (event, next) in zip(events, events.dropFirst()) where event == next { return "\(event) emitted twice in a row" }
        for event in events {
            switch event {
            case .stale(let reason) where reason.isEmpty: return "a stale event without a reason"
            case .observed(let reading):
                if let charge = reading.chargePercent, !(0...100).contains(charge) { return "charge \(charge) % passed on" }
                if let runtime = reading.runtimeSeconds, !(0...10_000_000).contains(runtime) { return "runtime \(runtime) s passed on" }
            default: break
            }
        }
        let observed = events.contains { if case .observed = $0 { true } else { false } }
        return outcome.wasHealthy == observed ? nil : "healthy \(outcome.wasHealthy) but readings emitted: \(observed)"
    }

    /// An honest upsd that hangs up after its answers: one event per full round of three GET VARs
    /// (the same each round), made of exactly the values it sent.
    static func checkHonest(_ script: LyingUPSDaemon.Script, login: Bool, outcome: NUTSession.Outcome, events: [PowerSourceEvent]) -> String? {
        let rounds = (script.answers.count - (login ? 3 : 0)) / 3
        let waiting = script.status.split(separator: " ").contains("WAIT")
        let expected: [PowerSourceEvent] = rounds < 1 ? [] : [waiting ? .stale(reason: "upsd: no data from the driver yet (WAIT)")
            : .observed(NUTReply.observation(status: script.status, charge: script.charge, runtime: script.runtime))]
        guard events == expected else { return "events \(events), expected \(expected), session ended with '\(outcome.reason)'" }
        // Hanging up is seen on the next read, or on the next request's write when it comes first.
        guard outcome.reason == "upsd closed the connection" || outcome.reason.hasPrefix("upsd connection lost before")
              || outcome.reason.hasPrefix("upsd connection failed") else {
            return "an honest upsd hanging up was reported as '\(outcome.reason)'"
        }
        return nil
    }

    static func describe(_ answer: LyingUPSDaemon.Script.Answer) -> String {
        switch answer {
        case .truth: "truth"
        case .lie(let bytes): Shown.bytes(bytes, limit: 60)
        case .silence: "silent until the client hangs up"
        }
    }
}
