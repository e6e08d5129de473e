import Foundation
import TestSupport
import Testing
@testable import Power

/// The NUT source against a real upsd + dummy-ups: readings, every failure NUT can show, and
/// reconnecting after upsd comes back.
///
/// The time limit is a hang guard only (each wait below has its own bound): a test takes about
/// 10 s on a quiet machine, and a minute or two under ThreadSanitizer beside CPU hogs.
@Suite("NUT power source against a real upsd", .serialized, .timeLimit(.minutes(5)))
struct NUTPowerSourceTests {
    /// Reads events until one satisfies `predicate`, or records a failure after `seconds`. 60 s by
    /// default: upsd shows a change within about a second and the source polls every 100 ms, so
    /// the bound only tells a change that never came from a slow one on a loaded machine.
    static func waitFor(_ events: EventTap, seconds: Double = 60, _ what: String,
                        _ predicate: @escaping @Sendable (PowerSourceEvent) -> Bool) async -> PowerSourceEvent? {
        if let event = await events.next(matching: predicate, within: .milliseconds(Int64(seconds * 1_000))) { return event }
        Issue.record("no event for '\(what)' within \(seconds) s; last seen: \(String(describing: events.lastSeen))")
        return nil
    }

    static func observation(_ event: PowerSourceEvent) -> PowerObservation? {
        if case .observed(let observation) = event { return observation }
        return nil
    }

    /// Starts dummy-ups, waits for its socket, then starts upsd (which connects to the driver's
    /// socket when it starts). The socket, not a fixed sleep: the driver takes about a second on
    /// a quiet machine, longer on a busy one whose page cache was just dropped; 60 s is a hang guard.
    static func start(_ server: NUTServer) async throws {
        try await server.startDriver(readyWithin: .seconds(60))
        try server.startUpsd()
    }

    /// The source as the tests use it. upsd on loopback answers in milliseconds, so a long answer
    /// timeout costs nothing: it only fires for a client starved of a thread, and its stale event
    /// would then be taken for the driver's (a killed driver's first stale event is checked).
    static func source(_ server: NUTServer) -> NUTPowerSource {
        NUTPowerSource(.init(port: server.port, ups: server.ups, username: "monitor", password: "monpass",
                             pollInterval: .milliseconds(100), answerTimeout: .seconds(30), maximumBackoff: .seconds(1)))
    }

    @Test("OL, OB, OB LB and OL again are read with charge and runtime; a killed driver and a gone upsd are stale; it reconnects")
    func statusChangesAndFailures() async throws {
        let server = try NUTServer()
        try await Self.start(server)
        let events = EventTap(Self.source(server).events())

        let first = await Self.waitFor(events, "mains") { Self.observation($0)?.acPresent == true }
        #expect(first.flatMap(Self.observation) == PowerObservation(acPresent: true, batteryLow: false, chargePercent: 100, runtimeSeconds: 1_800))

        try server.set(status: "OB DISCHRG", charge: 64, runtime: 900)
        let onBattery = await Self.waitFor(events, "on battery") { Self.observation($0)?.acPresent == false }
        #expect(onBattery.flatMap(Self.observation)?.chargePercent == 64)

        try server.set(status: "OB LB", charge: 9, runtime: 60)
        _ = await Self.waitFor(events, "low battery") { Self.observation($0)?.batteryLow == true }

        try server.set(status: "OL CHRG", charge: 12, runtime: 80)
        _ = await Self.waitFor(events, "mains again") { Self.observation($0)?.acPresent == true }

        server.killDriver()
        let dead = await Self.waitFor(events, "driver gone") { if case .stale = $0 { true } else { false } }
        #expect(dead == .stale(reason: "upsd: DRIVER-NOT-CONNECTED"))

        server.killUpsd()
        _ = await Self.waitFor(events, "upsd gone") {
            if case .stale(let reason) = $0 { reason.contains("unreachable") || reason.contains("closed") } else { false }
        }

        try await Self.start(server)
        _ = await Self.waitFor(events, "back after reconnect") { Self.observation($0)?.acPresent == true }
        server.stopAll()
    }

    @Test("a frozen driver reads as DATA-STALE after upsd's MAXAGE, and FSD set at upsd is reported")
    func frozenDriverAndForcedShutdown() async throws {
        let server = try NUTServer()
        defer { server.stopAll() }
        try await Self.start(server)
        let events = EventTap(Self.source(server).events())
        _ = await Self.waitFor(events, "mains") { Self.observation($0)?.acPresent == true }

        server.freezeDriver(true)
        let stale = await Self.waitFor(events, "frozen driver") { if case .stale = $0 { true } else { false } }
        #expect(stale == .stale(reason: "upsd: DATA-STALE"))
        server.freezeDriver(false)
        _ = await Self.waitFor(events, "driver thawed") { Self.observation($0)?.acPresent == true }

        #expect(try server.setForcedShutdown() == "OK FSD-SET")
        let forced = await Self.waitFor(events, "FSD") { Self.observation($0)?.forcedShutdown == true }
        #expect(forced.flatMap(Self.observation)?.acPresent == true, "FSD OL: still on mains, yet shut down")
    }

    @Test("a lying upsd's numbers are ignored, never trusted and never trap")
    func lyingNumbers() {
        for value in ["nan", "inf", "-inf", "1e400", "-3", "12abc", "", "99999999999999999999"] {
            let observation = NUTReply.observation(status: "OB", charge: value, runtime: value)
            #expect(observation.chargePercent == nil && observation.runtimeSeconds == nil, "\(value)")
        }
        #expect(NUTReply.observation(status: "OB", charge: "101", runtime: "101").chargePercent == nil, "a charge over 100 % is a lie")
        #expect(NUTReply.observation(status: "OB LB", charge: "42.7", runtime: "300").chargePercent == 42)
    }

    @Test("seeded random lines never crash the parser", arguments: 1...10)
    func randomLines(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let pieces = ["VAR", "dummy", "ups.status", "\"", "\\", "OL", "OB", "LB", "FSD", "ERR", "OK", " ", "nan", "1e400", "\u{0}", "é"]
        for _ in 0..<2_000 {
            let line = (0..<Int(random.next() % 8)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            if case .value(let text)? = NUTReply.parse(line, ups: "dummy", variable: "ups.status") {
                _ = NUTReply.observation(status: text, charge: text, runtime: text)
            }
        }
    }

    @Test("garbage and malformed answers are not taken for readings")
    func parsing() {
        #expect(NUTReply.parse(#"VAR dummy ups.status "OB LB""#, ups: "dummy", variable: "ups.status") == .value("OB LB"))
        #expect(NUTReply.parse(#"VAR dummy ups.status "say \"hi\"""#, ups: "dummy", variable: "ups.status") == .value(#"say "hi""#))
        #expect(NUTReply.parse("ERR DATA-STALE", ups: "dummy", variable: "ups.status") == .error("DATA-STALE"))
        #expect(NUTReply.parse("OK", ups: "dummy", variable: nil) == .ok)
        for garbage in ["", "VAR dummy ups.status OL", #"VAR other ups.status "OL""#, #"VAR dummy ups.status "OL" trailing"#,
                        "\u{7}\u{0}noise", "ERR", "BEGIN LIST VAR dummy"] {
            #expect(NUTReply.parse(garbage, ups: "dummy", variable: "ups.status") == nil, "\(garbage)")
        }
        #expect(NUTReply.observation(status: "FSD OL", charge: "55.0", runtime: nil)
            == PowerObservation(acPresent: true, batteryLow: false, chargePercent: 55, runtimeSeconds: nil, forcedShutdown: true))
        #expect(NUTReply.observation(status: "BYPASS", charge: nil, runtime: nil).acPresent == nil)
    }
}

/// Collects a source's events in the background so a test can wait for one with a deadline.
final class EventTap: @unchecked Sendable {
    // Guarded by `lock`; the reader task appends, waiting tests scan.
    private let lock = NSLock()
    private var seen: [PowerSourceEvent] = []
    private var consumed = 0
    private let reader: Task<Void, Never>

    init(_ stream: AsyncStream<PowerSourceEvent>) {
        let box = Box()
        reader = Task { for await event in stream { box.tap?.append(event) } }
        box.tap = self
    }

    deinit { reader.cancel() }

    private final class Box: @unchecked Sendable { weak var tap: EventTap? }

    private func append(_ event: PowerSourceEvent) {
        lock.lock(); defer { lock.unlock() }
        seen.append(event)
    }

    var lastSeen: PowerSourceEvent? {
        lock.lock(); defer { lock.unlock() }
        return seen.last
    }

    /// The first event after those already consumed that matches, waiting up to `timeout`.
    func next(matching predicate: (PowerSourceEvent) -> Bool, within timeout: Duration) async -> PowerSourceEvent? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found: PowerSourceEvent? = {
                lock.lock(); defer { lock.unlock() }
                while consumed < seen.count {
                    let event = seen[consumed]
                    consumed += 1
                    if predicate(event) { return event }
                }
                return nil
            }()
            if let found { return found }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
