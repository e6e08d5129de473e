import Foundation
import SyncProtocol
import Wagering

/// Valid sync documents and chains to mutate.
enum SyncCorpus {
    static let words: [[UInt8]] = ["\"seq\":", "\"hash\":", "\"prev_hash\":", "\"payload\":", "\"kind\":", "\"high_water\":", "\"body\":",
                                   "\"cursor\":", "0000000000000000000000000000000000000000000000000000000000000000", "==", "\"\"",
                                   "market.published", "bet.verdicts"].map { Array($0.utf8) }
    static let kinds = ["bet.placed", "appliance.event", "ticket.paid", "market.published", "", "k\u{E9}nd"]

    /// A record with its hash computed, as the appliance's journal writes it.
    static func sealed(seq: Int64, wallMillis: Int64, monotonicNanos: Int64, kind: String, payload: [UInt8],
                       previousHash: [UInt8]) -> JournalRecord {
        let hash = ChainHash.compute(previousHash: previousHash, seq: seq, wallMillis: wallMillis, monotonicNanos: monotonicNanos,
                                     kind: kind, payload: payload)
        return JournalRecord(seq: seq, wallMillis: wallMillis, monotonicNanos: monotonicNanos, kind: kind, payload: payload,
                             previousHash: previousHash, hash: hash)
    }

    static func reseal(_ record: JournalRecord, previousHash: [UInt8]) -> JournalRecord {
        sealed(seq: record.seq, wallMillis: record.wallMillis, monotonicNanos: record.monotonicNanos, kind: record.kind,
               payload: record.payload, previousHash: previousHash)
    }

    /// `count` records from genesis, each continuing the one before.
    static func chain(_ count: Int, _ input: inout Mutator) -> [JournalRecord] {
        var records: [JournalRecord] = []
        var previous = ChainHash.genesis
        for seq in stride(from: Int64(1), through: Int64(count), by: 1) {
            let payload = input.chance(percent: 70) ? Array("{\"stake\":\(input.below(100_000)),\"n\":\(seq)}".utf8) : input.randomBytes(upTo: 80)
            let record = sealed(seq: seq, wallMillis: 1_700_000_000_000 + seq * 1_000, monotonicNanos: seq * 1_000_000,
                                kind: input.pick(kinds), payload: payload, previousHash: previous)
            records.append(record)
            previous = record.hash
        }
        return records
    }

    static func documents(_ input: inout Mutator) throws -> [WireDocument] {
        let records = chain(3, &input)
        let head = SyncHead(seq: 3, hash: records[2].hash)
        let sound = { (record: JournalRecord) -> String? in
            record.previousHash.count == 32 && record.hash.count == 32 ? nil : "a record decoded with a hash that is not 32 bytes"
        }
        let soundHead = { (head: SyncHead) -> String? in head.seq >= 0 && head.hash.count == 32 ? nil : "a head decoded as \(head)" }
        return [
            try WireDocument("PushBatch", PushBatch(appliance: "HF01", records: records)) { $0.records.lazy.compactMap(sound).first },
            try WireDocument("JournalRecord", records[1], invariants: sound),
            try WireDocument("RecordPage", RecordPage(records: Array(records.prefix(2)))) { $0.records.lazy.compactMap(sound).first },
            try WireDocument("PushAnswer", PushAnswer(appliance: "HF01", highWater: head, stored: 2, centralMillis: 1_700_000_000_000)) {
                soundHead($0.highWater)
            },
            try WireDocument("SyncHead", head, invariants: soundHead),
            try WireDocument("SyncProblem", SyncProblem(.fork, detail: "record 3 does not follow record 2", seq: 3, highWater: head)) {
                $0.highWater.flatMap(soundHead)
            },
            try WireDocument("FeedPage", FeedPage(items: try feedItems(), cursor: 8)),
        ]
    }

    /// One feed item of every kind.
    static func feedItems() throws -> [FeedItem] {
        let market = Market(id: "m1", event: Event(id: "e1", name: "Race 1", startsAtMillis: 1_900_000_000_000), name: "Win",
                            selections: [Selection(id: "m1-a", name: "A", odds: try Odds(decimalNumerator: 19, denominator: 8)),
                                         Selection(id: "m1-b", name: "B", odds: try Odds(decimalNumerator: 3, denominator: 1), status: .withdrawn)])
        let limits = BettingLimits(minStakePerLine: 10, maxStakePerBet: 50_000, maxPayoutPerBet: 2_500_000, maxLiabilityPerSelection: 5_000_000,
                                   maxLiabilityPerMarket: 10_000_000, terminalDefaults: TerminalLimits(maxStakePerBet: 20_000, maxOpenStake: 500_000))
        let changes: [FeedChange] = [
            .marketPublished(market),
            .priceChanged(selection: "m1-a", odds: try Odds(decimalNumerator: 5, denominator: 2)),
            .statusChanged(market: "m1", status: .suspended, inPlay: true),
            // One outcome only: a dictionary's order on the wire changes from run to run.
            .resulted(MarketResult(marketID: "m1", outcomes: ["m1-a": .deadHeat(numerator: 1, denominator: 2)])),
            .verdicts([Verdict(seq: 7, ticketID: "HF01-0000-007X", decision: .voided, reason: .staleOdds, detail: "central had 2.0")]),
            .limits(limits),
            .terminal(TerminalGrant(id: "kiosk-9", role: "kiosk", secret: String(repeating: "ab", count: 32), revoked: false)),
            .technician(TechnicianGrant(name: "tech", pinHash: nil, revoked: true)),
        ]
        return changes.enumerated().map { FeedItem(cursor: Int64($0.offset + 1), change: $0.element) }
    }
}
