import Foundation
import Logging
import NIOConcurrencyHelpers
import SyncProtocol
import TestSupport
import Uplink

/// One seed of the uplink simulation: the real `UplinkService` pushing a growing chain of records
/// to a central that applies the real `BatchAdmission`, through a network that drops requests,
/// loses answers, delivers twice, delivers late (after newer batches) and has central answer
/// "unavailable", all drawn from the seed, in virtual time.
///
/// Checked after every delivery: central's records run 1...head without a gap, each linked to
/// the one before, none altered. After every answer the uplink acts on: central's mark, as the
/// uplink sees it, never goes back. At the end: central holds exactly the appliance's records.
struct UplinkSimulation {
    struct Tally {
        var records = 0
        var requests = 0
        var faults: [String: Int] = [:]

        mutating func add(_ other: Tally) {
            records += other.records
            requests += other.requests
            faults.merge(other.faults, uniquingKeysWith: +)
        }
    }

    let seed: UInt64

    func run() async throws -> Tally {
        var random = SplitMix64(seed: seed)
        let total = Int.random(in: 20...1_500, using: &random)
        let source = SimulatedRecords(initial: Int.random(in: 0...total / 2, using: &random))
        let central = SimulatedCentral()
        let clock = VirtualClock()
        let network = SimulatedNetwork(seed: random.next(), central: central, source: source, target: total, clock: clock)
        let settings = UplinkSettings(endpoints: [URL(string: "https://central-a.sim")!, URL(string: "https://central-b.sim")!],
                                      certificateFile: "", keyFile: "", centralCAFile: "",
                                      batchSize: Int.random(in: 1...300, using: &random), retryInitial: .milliseconds(200),
                                      retryMax: .seconds(5), freshness: .seconds(30), failbackInterval: .seconds(60),
                                      idleCheckInterval: .seconds(1))
        let marks = NIOLockedValueBox<(last: Int64, wentBack: String?)>((0, nil))
        let service = UplinkService(settings: settings, appliance: "S1M0", source: source, transport: network, clock: clock,
                                    logger: Logger(label: "holdfast.simulation") { _ in SwiftLogNoOpLogHandler() },
                                    onHighWater: { head, _ in
                                        marks.withLockedValue { marks in
                                            if head.seq < marks.last, marks.wentBack == nil { marks.wentBack = "\(marks.last) -> \(head.seq)" }
                                            marks.last = max(marks.last, head.seq)
                                        }
                                    })
        let uplink = Task { try await service.run(random: SplitMix64(seed: random.next())) }
        defer { uplink.cancel() }
        while !network.converged {
            if let violation = central.violation ?? marks.withLockedValue({ $0.wentBack.map { "central's mark went back: \($0)" } }) {
                throw JournalSimulation.Failure(description: "uplink seed \(seed): \(violation)")
            }
            guard network.requests < 200_000 else {
                throw JournalSimulation.Failure(description: "uplink seed \(seed): no convergence after 200000 requests (central at \(central.head.seq) of \(total))")
            }
            try await Task.sleep(for: .microseconds(50))
        }
        uplink.cancel()
        _ = try? await uplink.value
        let held = central.records
        let journal = source.all
        guard held.count == journal.count, zip(held, journal).allSatisfy({ $0.seq == $1.seq && $0.hash == $1.hash }) else {
            throw JournalSimulation.Failure(description: "uplink seed \(seed): central holds \(held.count) records, the appliance \(journal.count), or they differ")
        }
        if let violation = central.violation { throw JournalSimulation.Failure(description: "uplink seed \(seed): \(violation)") }
        return Tally(records: total, requests: network.requests, faults: network.faults)
    }
}

/// Virtual time: a sleep advances it and yields, so backoffs of seconds cost nothing.
final class VirtualClock: UplinkClock {
    private let now = NIOLockedValueBox<Int64>(1_795_867_200_000)

    func wallMillis() -> Int64 { now.withLockedValue { $0 } }
    func monotonicNanos() -> Int64 { now.withLockedValue { ($0 - 1_795_867_200_000) * 1_000_000 } }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        now.withLockedValue { $0 += duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000 }
        await Task.yield()
    }

    func advance(millis: Int64) { now.withLockedValue { $0 += millis } }
}

/// The appliance's journal as the uplink reads it: a sealed chain that grows when told to.
final class SimulatedRecords: SyncRecordSource {
    private let records = NIOLockedValueBox<[JournalRecord]>([])

    init(initial: Int) { append(initial, wallMillis: 1_795_867_200_000) }

    var all: [JournalRecord] { records.withLockedValue { $0 } }
    var count: Int { records.withLockedValue { $0.count } }

    func append(_ count: Int, wallMillis: Int64) {
        records.withLockedValue { records in
            for _ in 0..<count {
                let seq = Int64(records.count + 1)
                let previous = records.last?.hash ?? ChainHash.genesis
                let payload = Array("{\"n\":\(seq)}".utf8)
                let hash = ChainHash.compute(previousHash: previous, seq: seq, wallMillis: wallMillis, monotonicNanos: seq * 1_000,
                                             kind: "sim.record", payload: payload)
                records.append(JournalRecord(seq: seq, wallMillis: wallMillis, monotonicNanos: seq * 1_000, kind: "sim.record",
                                             payload: payload, previousHash: previous, hash: hash))
            }
        }
    }

    func records(after seq: Int64, limit: Int) async throws -> [JournalRecord] {
        records.withLockedValue { Array($0.dropFirst(Int(seq)).prefix(limit)) }
    }

    func head() async throws -> SyncHead {
        records.withLockedValue { $0.last.map { SyncHead(seq: $0.seq, hash: $0.hash) } ?? .empty }
    }

    func hash(of seq: Int64) async throws -> [UInt8]? {
        records.withLockedValue { seq >= 1 && seq <= $0.count ? $0[Int(seq) - 1].hash : nil }
    }

    /// Returns at once: in virtual time the idle wait is over as soon as it starts.
    func waitForRecord(after seq: Int64, timeout: Duration) async {
        await Task.yield()
    }
}
