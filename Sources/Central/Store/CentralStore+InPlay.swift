import Foundation
import PostgresNIO
import SyncProtocol
import Wagering

extension CentralStore {
    /// In-play decisions as they arrive: one declined because the appliance never heard central
    /// after the delay is an alert here too (the appliance's own is best effort), and an
    /// acceptance is checked against central's timeline (``InPlayAudit``). The bet's record is in
    /// the same batch or, held already, in `journal_records`: it always comes before its decision.
    func checkDelayDecisions(_ decisions: [(seq: Int64, decision: DelayDecision)], in batch: ArraySlice<JournalRecord>,
                             appliance: EnrolledAppliance, _ connection: PostgresConnection) async throws {
        guard !decisions.isEmpty else { return }
        var accepted: [(seq: Int64, decision: DelayDecision)] = []
        for (seq, decision) in decisions {
            if decision.declined == .undecidedInTime {
                try await raiseAlert("inplay-undecided", seq: seq, detail: """
                    in-play bet \(decision.ticketID) was declined: the appliance did not hear central's feed after its delay in time
                    """, appliance: appliance.code, connection)
            } else if decision.isAccepted {
                accepted.append((seq, decision))
            }
        }
        guard let latest = accepted.map(\.decision.atMillis).max() else { return }
        let payloads = try await placedBets(Set(accepted.map { Int64($0.decision.ticketID.serial) }), in: batch, appliance: appliance, connection)
        let decoder = JSONDecoder()
        let bets = try payloads.mapValues { try decoder.decode(VerdictRules.OfflineBet.self, from: $0) }
        let legs = bets.values.flatMap(\.legs)
        let timeline = try await marketTimeline(venue: appliance.venue, markets: Set(legs.map(\.marketID)), selections: Set(legs.map(\.selectionID)),
                                                upToMillis: latest, connection)
        for (seq, decision) in accepted {
            let reason: String?
            if let bet = bets[Int64(decision.ticketID.serial)] {
                reason = InPlayAudit.objection(to: bet, decision: decision, timeline: timeline)
            } else {
                reason = "its bet.placed record is not at central"
            }
            guard let reason else { continue }
            try await raiseAlert("inplay-accepted-across-suspension", seq: seq, detail: """
                in-play bet \(decision.ticketID) was accepted after its delay, but \(reason)
                """, appliance: appliance.code, connection)
        }
    }

    /// The `bet.placed` payloads of these serials (a ticket's serial is its record's seq).
    private func placedBets(_ serials: Set<Int64>, in batch: ArraySlice<JournalRecord>, appliance: EnrolledAppliance,
                            _ connection: PostgresConnection) async throws -> [Int64: Data] {
        var found: [Int64: Data] = [:]
        for record in batch where record.kind == "bet.placed" && serials.contains(record.seq) { found[record.seq] = Data(record.payload) }
        let missing = serials.subtracting(found.keys)
        guard !missing.isEmpty else { return found }
        let rows = try await connection.query("""
            SELECT seq, payload FROM journal_records
            WHERE appliance = \(appliance.code) AND kind = 'bet.placed' AND seq = ANY(\(Array(missing)))
            """, logger: logger)
        for try await (seq, payload) in rows.decode((Int64, ByteBuffer).self) { found[seq] = Data(buffer: payload) }
        return found
    }
}
