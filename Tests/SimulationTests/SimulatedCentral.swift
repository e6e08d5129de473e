import Foundation
import NIOConcurrencyHelpers
import SyncProtocol
import TestSupport
import Uplink

/// Central as the simulation needs it: what it holds, admitted by the same `BatchAdmission` the
/// reference central runs, with its invariants checked after every delivery.
final class SimulatedCentral: Sendable {
    private let state = NIOLockedValueBox<(records: [JournalRecord], violation: String?)>(([], nil))

    var records: [JournalRecord] { state.withLockedValue { $0.records } }
    var head: SyncHead { state.withLockedValue { $0.records.last.map { SyncHead(seq: $0.seq, hash: $0.hash) } ?? .empty } }
    var violation: String? { state.withLockedValue { $0.violation } }

    func highWater(atMillis now: Int64) -> PushAnswer {
        PushAnswer(appliance: "S1M0", highWater: head, stored: 0, centralMillis: now)
    }

    func deliver(_ batch: PushBatch, atMillis now: Int64) -> Result<PushAnswer, SyncProblem> {
        state.withLockedValue { state in
            let head = state.records.last.map { SyncHead(seq: $0.seq, hash: $0.hash) } ?? .empty
            var held: [Int64: [UInt8]] = [:]
            for record in batch.records where record.seq >= 1 && record.seq <= head.seq {
                held[record.seq] = state.records[Int(record.seq) - 1].hash
            }
            switch BatchAdmission.admit(batch.records, after: head, heldHashes: held) {
            case .failure(let problem):
                return .failure(problem)
            case .success(let admitted):
                let before = state.records.count
                state.records.append(contentsOf: admitted.newRecords)
                if state.violation == nil { state.violation = Self.check(state.records, from: before) }
                return .success(PushAnswer(appliance: "S1M0", highWater: admitted.head, stored: admitted.newRecords.count, centralMillis: now))
            }
        }
    }

    /// Seqs 1...n with no gap, each record intact and linked to the one before (the records
    /// from `start` on are new; those before were checked when they came).
    private static func check(_ records: [JournalRecord], from start: Int) -> String? {
        var previous = start == 0 ? ChainHash.genesis : records[start - 1].hash
        for (index, record) in records.enumerated().dropFirst(start) {
            guard record.seq == Int64(index + 1) else { return "central holds seq \(record.seq) at position \(index + 1)" }
            guard record.previousHash == previous, record.isIntact else { return "central's record \(record.seq) is altered or unlinked" }
            previous = record.hash
        }
        return nil
    }
}

/// The network between them, and the appliance's journal growing meanwhile: every request may be
/// dropped, answered and the answer lost, delivered twice, held back and delivered after newer
/// ones, or met by central being unavailable; between requests, new records are committed.
final class SimulatedNetwork: SyncTransport {
    private struct State {
        var random: SplitMix64
        var requests = 0
        var faults: [String: Int] = [:]
        var late: [PushBatch] = []
    }
    private let state: NIOLockedValueBox<State>
    private let central: SimulatedCentral
    private let source: SimulatedRecords
    private let target: Int
    private let clock: VirtualClock

    init(seed: UInt64, central: SimulatedCentral, source: SimulatedRecords, target: Int, clock: VirtualClock) {
        state = NIOLockedValueBox(State(random: SplitMix64(seed: seed)))
        self.central = central
        self.source = source
        self.target = target
        self.clock = clock
    }

    var requests: Int { state.withLockedValue { $0.requests } }
    var faults: [String: Int] { state.withLockedValue { $0.faults } }
    var converged: Bool { source.count == target && central.head.seq == Int64(target) && state.withLockedValue { $0.late.isEmpty } }

    private enum Fate: String {
        case delivered, dropped = "request dropped", answerLost = "answer lost", twice = "delivered twice",
             late = "delivered late", unavailable = "central unavailable"
    }

    /// One step of the world before a request: records committed, a late batch arriving, time passing.
    private func tick() -> Fate {
        // Once converged the run is over; what the uplink does until it is stopped is not counted,
        // so a seed's figures do not depend on how fast the driver notices.
        guard !converged else { return .delivered }
        let (fate, grow, lateBatch, elapsed) = state.withLockedValue { state -> (Fate, Int, PushBatch?, Int64) in
            state.requests += 1
            let grow = Int.random(in: 0..<100, using: &state.random) < 30 ? Int.random(in: 1...40, using: &state.random) : 0
            let lateBatch = !state.late.isEmpty && Int.random(in: 0..<100, using: &state.random) < 30
                ? state.late.remove(at: Int.random(in: 0..<state.late.count, using: &state.random)) : nil
            let roll = Int.random(in: 0..<100, using: &state.random)
            let fate: Fate = switch roll {
            case 0..<12: .dropped
            case 12..<22: .answerLost
            case 22..<28: .twice
            case 28..<34: .late
            case 34..<38: .unavailable
            default: .delivered
            }
            if fate != .delivered { state.faults[fate.rawValue, default: 0] += 1 }
            return (fate, grow, lateBatch, Int64.random(in: 1...50, using: &state.random))
        }
        clock.advance(millis: elapsed)
        if grow > 0 { source.append(min(grow, target - source.count), wallMillis: clock.wallMillis()) }
        if let lateBatch { _ = central.deliver(lateBatch, atMillis: clock.wallMillis()) }
        return fate
    }

    func highWater(at endpoint: URL) async throws(UplinkError) -> PushAnswer {
        switch tick() {
        case .dropped, .late: throw .unreachable("simulated: request dropped")
        case .unavailable: throw .refused(SyncProblem(.unavailable, detail: "simulated: central's database is down"))
        case .answerLost: throw .unreachable("simulated: answer lost")
        case .delivered, .twice: return central.highWater(atMillis: clock.wallMillis())
        }
    }

    func push(_ batch: PushBatch, to endpoint: URL) async throws(UplinkError) -> PushAnswer {
        let fate = tick()
        switch fate {
        case .dropped: throw .unreachable("simulated: request dropped")
        case .unavailable: throw .refused(SyncProblem(.unavailable, detail: "simulated: central's database is down"))
        case .late:
            state.withLockedValue { $0.late.append(batch) }
            throw .unreachable("simulated: timed out (the batch is still on its way)")
        case .answerLost:
            _ = central.deliver(batch, atMillis: clock.wallMillis())
            throw .unreachable("simulated: answer lost")
        case .twice, .delivered:
            if fate == .twice { _ = central.deliver(batch, atMillis: clock.wallMillis()) }
            switch central.deliver(batch, atMillis: clock.wallMillis()) {
            case .success(let answer): return answer
            case .failure(let problem): throw .refused(problem)
            }
        }
    }

    func feed(after cursor: Int64, wait: Duration, at endpoint: URL) async throws(UplinkError) -> FeedPage {
        throw .unreachable("simulated: the push simulation has no feed")
    }

    func history(after seq: Int64, limit: Int, at endpoint: URL) async throws(UplinkError) -> RecordPage {
        throw .unreachable("simulated: the push simulation has no history")
    }

    func checkHealth(of endpoint: URL) async throws(UplinkError) {
        if case .dropped = tick() { throw .unreachable("simulated: health check dropped") }
    }

    func shutdown() async {}
}
