import Foundation
import GRDB
import NIOConcurrencyHelpers
import Wagering

/// The offline bets central has not yet acknowledged, and the sum of their worst-case losses:
/// the running totals ``OfflineTerms`` are checked against.
///
/// Checked and reserved by the journal's single writer, in journal order, so two bets in one
/// group-commit batch cannot both take the last place. Central's acknowledgements come from the
/// uplink. Across a restart the totals are rebuilt from the journal: the offline bets after the
/// last acknowledgement written down here (written whenever an acknowledgement retires offline
/// bets, so at worst a few acknowledged bets still count until central next answers).
public final class OfflineLedger: Sendable {
    public struct Totals: Hashable, Sendable {
        public var bets: Int
        public var liability: Int64
        /// The last record central acknowledged, as far as this appliance knows.
        public var acknowledgedThrough: Int64
    }

    private struct State {
        var pending: [Int64: Int64] = [:]
        var liability: Int64 = 0
        var acknowledgedThrough: Int64
    }

    private let state: NIOLockedValueBox<State>
    private let markPath: String

    init(acknowledgedThrough: Int64, pending: [Int64: Int64], markPath: String) {
        var initial = State(acknowledgedThrough: acknowledgedThrough)
        initial.pending = pending
        initial.liability = pending.values.reduce(0, +)
        state = NIOLockedValueBox(initial)
        self.markPath = markPath
    }

    public var totals: Totals {
        state.withLockedValue { Totals(bets: $0.pending.count, liability: $0.liability, acknowledgedThrough: $0.acknowledgedThrough) }
    }

    /// Admits an offline bet about to be journaled as record `seq`, or refuses it naming the limit.
    func admit(_ bet: PlacedBet, seq: Int64, terms: OfflineTerms) throws(BookRefusal) {
        let liability = max(0, bet.potentialReturn.minorUnits - bet.totalStake.minorUnits)
        let currency = bet.totalStake.currency
        // The lock's closure rethrows untyped errors: the refusal comes out as a Result.
        try state.withLockedValue { state -> Result<Void, BookRefusal> in
            guard state.pending.count < terms.maxBets else {
                return .failure(.offline(OfflineBreach(limit: .maxBets, detail: "\(state.pending.count) offline bets are waiting for central; the offline limit is \(terms.maxBets)")))
            }
            let (after, overflow) = state.liability.addingReportingOverflow(liability)
            guard !overflow, after <= terms.maxLiability else {
                let limit = Money(minorUnits: terms.maxLiability, currency: currency)
                let attempted = Money(minorUnits: overflow ? .max : after, currency: currency)
                return .failure(.offline(OfflineBreach(limit: .maxLiability, limitAmount: limit, attempted: attempted,
                                                       detail: "offline liability would be \(attempted), over the limit of \(limit)")))
            }
            assert(state.pending[seq] == nil, "offline bet at seq \(seq) admitted twice")
            state.pending[seq] = liability
            state.liability = after
            return .success(())
        }.get()
    }

    /// The batch that held records after `seq` was rolled back: their reservations go.
    func discard(after seq: Int64) {
        state.withLockedValue { state in
            for (pending, liability) in state.pending where pending > seq {
                state.pending[pending] = nil
                state.liability -= liability
            }
        }
    }

    /// Central holds every record through `seq` durably: the offline bets among them no longer
    /// count against the offline limits.
    public func acknowledge(through seq: Int64) {
        let retired = state.withLockedValue { state -> Bool in
            guard seq > state.acknowledgedThrough else { return false }
            state.acknowledgedThrough = seq
            var retired = false
            for (pending, liability) in state.pending where pending <= seq {
                state.pending[pending] = nil
                state.liability -= liability
                retired = true
            }
            return retired
        }
        if retired { writeMark(seq) }
    }

    private func writeMark(_ seq: Int64) {
        let temporary = markPath + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(seq)\n".utf8)) else { return }
        _ = rename(temporary, markPath)
    }

    /// Rebuilds the ledger at open: the offline bets after the written-down acknowledgement.
    static func load(markPath: String, _ db: Database) throws -> OfflineLedger {
        let text = (try? String(contentsOfFile: markPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        let mark = text.flatMap(Int64.init) ?? 0
        var pending: [Int64: Int64] = [:]
        // `instr` on the payload skips decoding the (many) bets taken online.
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, payload FROM journal WHERE seq > ? AND kind = 'bet.placed' AND instr(payload, CAST('"takenOffline":true' AS BLOB)) > 0
            """, arguments: [mark])
        let decoder = JSONDecoder()
        while let row = try rows.next() {
            let bet = try decoder.decode(PlacedBet.self, from: row["payload"] as Data)
            pending[row["seq"]] = max(0, bet.potentialReturn.minorUnits - bet.totalStake.minorUnits)
        }
        return OfflineLedger(acknowledgedThrough: mark, pending: pending, markPath: markPath)
    }
}
