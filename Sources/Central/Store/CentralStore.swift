import Foundation
public import Logging
import Metrics
public import PostgresNIO
public import SyncProtocol
import Wagering

/// An appliance central knows: enrolled with its client certificate's SHA-256 and its venue.
public struct EnrolledAppliance: Hashable, Sendable {
    public var code: String
    public var venue: String
}

/// Central's durable state in PostgreSQL. Holds nothing between calls, so any number of
/// instances can share one database: concurrent pushes for one appliance serialize on its row
/// (`SELECT … FOR UPDATE`), and the primary key `(appliance, seq)` makes a record impossible to
/// store twice whatever the callers do.
public struct CentralStore: Sendable {
    let client: PostgresClient
    let logger: Logger
    private let storedRecords = Counter(label: "holdfast_central_records_stored_total")
    private let resentRecords = Counter(label: "holdfast_central_records_resent_total")
    private let ingestDuration = Timer(label: "holdfast_central_ingest_duration_seconds")
    private let verdicts = Counter(label: "holdfast_central_verdicts_total")
    private static let offlineMarker = Data(#""takenOffline":true"#.utf8)

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies the schema migrations not yet applied; answers their versions.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await CentralMigrations.migrate(client, logger: logger)
    }

    // MARK: Appliances

    /// Enrolls an appliance, or replaces its certificate (a renewed or replacement appliance
    /// keeps its code, and so its journal and sequence).
    public func enroll(code: String, venue: String, certificateSHA256: [UInt8]) async throws {
        precondition(certificateSHA256.count == 32, "a certificate fingerprint is a SHA-256 digest")
        try await client.query("""
            INSERT INTO appliances (code, venue, certificate_sha256) VALUES (\(code), \(venue), \(ByteBuffer(bytes: certificateSHA256)))
            ON CONFLICT (code) DO UPDATE SET venue = excluded.venue, certificate_sha256 = excluded.certificate_sha256
            """, logger: logger)
        logger.notice("appliance enrolled", metadata: ["appliance": "\(code)", "venue": "\(venue)"])
    }

    public func appliance(certificateSHA256: [UInt8]) async throws -> EnrolledAppliance? {
        let rows = try await client.query(
            "SELECT code, venue FROM appliances WHERE certificate_sha256 = \(ByteBuffer(bytes: certificateSHA256))", logger: logger)
        for try await (code, venue) in rows.decode((String, String).self) {
            return EnrolledAppliance(code: code, venue: venue)
        }
        return nil
    }

    /// Central's high-water mark for `appliance`.
    public func head(of appliance: String) async throws -> SyncHead? {
        let rows = try await client.query("SELECT head_seq, head_hash FROM appliances WHERE code = \(appliance)", logger: logger)
        for try await (seq, hash) in rows.decode((Int64, ByteBuffer).self) {
            return SyncHead(seq: seq, hash: Array(buffer: hash))
        }
        return nil
    }

    // MARK: Records

    /// Stores the batch's new records and answers the new high-water mark, all in one
    /// transaction: either every new record is durable and the mark covers them, or nothing
    /// changed. A refusal stores nothing and raises an alert (once per appliance, kind and seq).
    public func ingest(_ batch: PushBatch, from appliance: EnrolledAppliance) async throws -> Result<PushAnswer, SyncProblem> {
        guard batch.appliance == appliance.code else {
            return .failure(SyncProblem(.wrongAppliance, detail: "the certificate is \(appliance.code)'s; the batch names \(batch.appliance)"))
        }
        let started = ContinuousClock.now
        let outcome = try await client.withTransaction(logger: logger) { connection -> Result<PushAnswer, SyncProblem> in
            let head = try await lockedHead(appliance.code, connection)
            var held: [Int64: [UInt8]] = [:]
            if let first = batch.records.first, first.seq <= head.seq {
                let upTo = min(head.seq, batch.records[batch.records.count - 1].seq)
                let rows = try await connection.query("""
                    SELECT seq, hash FROM journal_records WHERE appliance = \(appliance.code) AND seq BETWEEN \(first.seq) AND \(upTo)
                    """, logger: logger)
                for try await (seq, hash) in rows.decode((Int64, ByteBuffer).self) { held[seq] = Array(buffer: hash) }
            }
            switch BatchAdmission.admit(batch.records, after: head, heldHashes: held) {
            case .failure(let problem):
                try await raiseAlert(problem.type.rawValue, seq: problem.seq, detail: problem.detail, appliance: appliance.code, connection)
                return .failure(problem)
            case .success(let admitted):
                if !admitted.newRecords.isEmpty {
                    try await insert(admitted.newRecords, appliance: appliance.code, connection)
                    try await reconcile(admitted.newRecords, appliance: appliance, connection)
                    try await connection.query("""
                        UPDATE appliances SET head_seq = \(admitted.head.seq), head_hash = \(ByteBuffer(bytes: admitted.head.hash)),
                                              last_push_at = now()
                        WHERE code = \(appliance.code)
                        """, logger: logger)
                }
                return .success(PushAnswer(appliance: appliance.code, highWater: admitted.head, stored: admitted.newRecords.count))
            }
        }
        ingestDuration.record(duration: ContinuousClock.now - started)
        if case .success(let answer) = outcome {
            storedRecords.increment(by: answer.stored)
            resentRecords.increment(by: batch.records.count - answer.stored)
        }
        return outcome
    }

    private func lockedHead(_ appliance: String, _ connection: PostgresConnection) async throws -> SyncHead {
        let rows = try await connection.query(
            "SELECT head_seq, head_hash FROM appliances WHERE code = \(appliance) FOR UPDATE", logger: logger)
        for try await (seq, hash) in rows.decode((Int64, ByteBuffer).self) {
            return SyncHead(seq: seq, hash: Array(buffer: hash))
        }
        throw CentralStoreError.notEnrolled(appliance)
    }

    /// One statement for the whole batch: arrays bound once and unnested by PostgreSQL, rather
    /// than a round trip per record.
    private func insert(_ records: ArraySlice<JournalRecord>, appliance: String, _ connection: PostgresConnection) async throws {
        let seqs = records.map(\.seq)
        let walls = records.map(\.wallMillis)
        let monos = records.map(\.monotonicNanos)
        let kinds = records.map(\.kind)
        let payloads = records.map { ByteBuffer(bytes: $0.payload) }
        let previous = records.map { ByteBuffer(bytes: $0.previousHash) }
        let hashes = records.map { ByteBuffer(bytes: $0.hash) }
        try await connection.query("""
            INSERT INTO journal_records (appliance, seq, wall_ms, mono_ns, kind, payload, prev_hash, hash)
            SELECT \(appliance), * FROM unnest(\(seqs)::int8[], \(walls)::int8[], \(monos)::int8[], \(kinds)::text[],
                                               \(payloads)::bytea[], \(previous)::bytea[], \(hashes)::bytea[])
            """, logger: logger)
    }

    /// In the same transaction as the records: a verdict for each bet taken offline, published to
    /// the appliance's feed, and each payout registered so a ticket paid twice raises an alert.
    /// Batched: one read of the board's history and one insert per table for the whole batch.
    private func reconcile(_ records: ArraySlice<JournalRecord>, appliance: EnrolledAppliance, _ connection: PostgresConnection) async throws {
        let decoder = JSONDecoder()
        var offline: [(seq: Int64, bet: VerdictRules.OfflineBet)] = []
        var payouts: [(seq: Int64, ticket: String)] = []
        var paidBeforeVerdict: [(seq: Int64, payment: TicketPayment)] = []
        var delayDecisions: [(seq: Int64, decision: DelayDecision)] = []
        for record in records {
            // The records are the appliance's history, chain-checked; one central cannot read is
            // kept and reported rather than refused, or it would stop every record after it.
            do {
                switch record.kind {
                case "bet.placed":
                    // Most bets are taken online: those are not decoded at all.
                    let payload = Data(record.payload)
                    guard payload.range(of: Self.offlineMarker) != nil else { continue }
                    let bet = try decoder.decode(VerdictRules.OfflineBet.self, from: payload)
                    if bet.takenOffline == true { offline.append((record.seq, bet)) }
                case "appliance.event":
                    let event = try decoder.decode(SignificantEvent.self, from: Data(record.payload))
                    guard ApplianceAlerts.categories.contains(event.category) else { continue }
                    try await raiseAlert("appliance:\(event.category)", seq: record.seq, detail: event.message, appliance: appliance.code, connection)
                case "ticket.verdict":
                    // A verdict the appliance applied that central never sent: entered by hand.
                    let verdict = try decoder.decode(TicketVerdict.self, from: Data(record.payload))
                    guard verdict.reason == "manual" else { continue }
                    try await raiseAlert("manual-verdict", seq: record.seq, detail: """
                        ticket \(verdict.ticketID) \(verdict.decision.rawValue) by hand at the appliance (\(verdict.detail)); owed \(verdict.amountOwed)
                        """, appliance: appliance.code, connection)
                case "bet.delay_decided":
                    delayDecisions.append((record.seq, try decoder.decode(DelayDecision.self, from: Data(record.payload))))
                case "ticket.paid":
                    let payment = try decoder.decode(TicketPayment.self, from: Data(record.payload))
                    payouts.append((record.seq, payment.ticketID.description))
                    if payment.beforeVerdict == true { paidBeforeVerdict.append((record.seq, payment)) }
                default: continue
                }
            } catch {
                try await raiseAlert("unreadable-record", seq: record.seq, detail: "record \(record.seq) (\(record.kind)) cannot be read: \(error)",
                                     appliance: appliance.code, connection)
            }
        }
        if let latest = offline.map(\.bet.placedAtMillis).max() {
            let timeline = try await boardTimeline(venue: appliance.venue, upToMillis: latest, connection)
            let decided = offline.map { VerdictRules.verdict(for: $0.bet, seq: $0.seq, board: timeline.board(for: $0.bet)) }
            try await connection.query("""
                INSERT INTO verdicts (appliance, seq, ticket_id, decision, reason, detail)
                SELECT \(appliance.code), seq, ticket, decision, NULLIF(reason, ''), detail
                FROM unnest(\(decided.map(\.seq))::int8[], \(decided.map(\.ticketID))::text[], \(decided.map(\.decision.rawValue))::text[],
                            \(decided.map { $0.reason?.rawValue ?? "" })::text[], \(decided.map(\.detail))::text[])
                     AS v(seq, ticket, decision, reason, detail)
                """, logger: logger)
            _ = try await insertFeedItem(.verdicts(decided), venue: appliance.venue, appliance: appliance.code, connection)
            verdicts.increment(by: decided.count)
        }
        if !payouts.isEmpty {
            let rows = try await connection.query("""
                INSERT INTO payouts (ticket_id, appliance, seq)
                SELECT ticket, \(appliance.code), seq FROM unnest(\(payouts.map(\.ticket))::text[], \(payouts.map(\.seq))::int8[]) AS p(ticket, seq)
                ON CONFLICT DO NOTHING RETURNING seq
                """, logger: logger)
            var registered = Set<Int64>()
            for try await seq in rows.decode(Int64.self) { registered.insert(seq) }
            for payout in payouts where !registered.contains(payout.seq) {
                try await raiseAlert("ticket-paid-twice", seq: payout.seq, detail: "ticket \(payout.ticket) paid twice: again in record \(payout.seq)",
                                     appliance: appliance.code, connection)
            }
        }
        try await checkPaidBeforeVerdict(paidBeforeVerdict, appliance: appliance, connection)
        try await checkDelayDecisions(delayDecisions, in: records, appliance: appliance, connection)
    }

    /// A win the venue paid before the verdict (its `pay_before_verdict_up_to`) that central voided
    /// is money the venue cannot take back: an alert, whether or not the appliance raises its own.
    /// The verdict is always decided first, when the bet's record arrives, since the payment's
    /// record comes after it in the chain.
    private func checkPaidBeforeVerdict(_ paid: [(seq: Int64, payment: TicketPayment)], appliance: EnrolledAppliance,
                                        _ connection: PostgresConnection) async throws {
        guard !paid.isEmpty else { return }
        let rows = try await connection.query("""
            SELECT seq, reason, detail FROM verdicts
            WHERE appliance = \(appliance.code) AND decision = 'voided' AND seq = ANY(\(paid.map { Int64($0.payment.ticketID.serial) }))
            """, logger: logger)
        var voided: [Int64: String] = [:]
        for try await (betSeq, reason, detail) in rows.decode((Int64, String?, String).self) {
            voided[betSeq] = "\(reason ?? "voided"): \(detail)"
        }
        for (seq, payment) in paid {
            guard let why = voided[Int64(payment.ticketID.serial)] else { continue }
            try await raiseAlert("paid-before-void-verdict", seq: seq, detail: """
                ticket \(payment.ticketID) was paid \(payment.amount) at \(payment.terminalID) before its verdict, and central voided it (\(why))
                """, appliance: appliance.code, connection)
        }
    }

    /// Records an alert once per (appliance, type, seq): a retried refusal or a resent record
    /// does not raise it again.
    func raiseAlert(_ type: String, seq: Int64?, detail: String, appliance: String, _ connection: PostgresConnection) async throws {
        logger.error("alert", metadata: ["appliance": "\(appliance)", "type": "\(type)", "seq": "\(seq.map(String.init) ?? "-")", "detail": "\(detail)"])
        try await connection.query("""
            INSERT INTO alerts (appliance, type, seq, detail) VALUES (\(appliance), \(type), \(seq), \(detail))
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    /// Records after `seq`, in order, at most `limit`.
    public func records(of appliance: String, after seq: Int64, limit: Int) async throws -> [JournalRecord] {
        let rows = try await client.query("""
            SELECT seq, wall_ms, mono_ns, kind, payload, prev_hash, hash FROM journal_records
            WHERE appliance = \(appliance) AND seq > \(seq) ORDER BY seq LIMIT \(limit)
            """, logger: logger)
        var records: [JournalRecord] = []
        for try await (seq, wall, mono, kind, payload, previous, hash)
            in rows.decode((Int64, Int64, Int64, String, ByteBuffer, ByteBuffer, ByteBuffer).self) {
            records.append(JournalRecord(seq: seq, wallMillis: wall, monotonicNanos: mono, kind: kind, payload: Array(buffer: payload),
                                         previousHash: Array(buffer: previous), hash: Array(buffer: hash)))
        }
        return records
    }

    /// Walks the chain central holds for `appliance` from its first record to the high-water
    /// mark read at the start (records stored meanwhile are left for the next walk), a page at a
    /// time, and checks it ends exactly at that mark.
    public func verifyChain(of appliance: String, pageSize: Int = 5_000) async throws -> Result<SyncHead, ChainVerificationFailure> {
        guard let head = try await head(of: appliance) else { throw CentralStoreError.notEnrolled(appliance) }
        var walker = ChainWalker()
        while walker.nextSeq <= head.seq {
            let page = try await records(of: appliance, after: walker.nextSeq - 1, limit: min(pageSize, Int(head.seq - walker.nextSeq + 1)))
            if page.isEmpty { break }
            for record in page {
                if let broken = walker.step(record) { return .failure(.broken(broken)) }
            }
        }
        guard walker.head == head else { return .failure(.headMismatch(recorded: head, walked: walker.head)) }
        return .success(head)
    }

    /// Alerts not yet resolved, oldest first.
    public func openAlerts() async throws -> [CentralAlert] {
        let rows = try await client.query("""
            SELECT appliance, type, seq, detail FROM alerts WHERE resolved_at IS NULL ORDER BY id
            """, logger: logger)
        var alerts: [CentralAlert] = []
        for try await (appliance, type, seq, detail) in rows.decode((String, String, Int64?, String).self) {
            alerts.append(CentralAlert(appliance: appliance, type: type, seq: seq, detail: detail))
        }
        return alerts
    }
}

public struct CentralAlert: Hashable, Sendable {
    public var appliance: String
    public var type: String
    public var seq: Int64?
    public var detail: String
}

public enum ChainVerificationFailure: Error, Hashable, CustomStringConvertible {
    case broken(ChainWalker.Break)
    /// The records verify but end elsewhere than the appliance's recorded high-water mark.
    case headMismatch(recorded: SyncHead, walked: SyncHead)

    public var description: String {
        switch self {
        case .broken(.missing(let expected, let found)): "record \(expected) is missing (next present: \(found))"
        case .broken(.previousHashMismatch(let seq)): "record \(seq) does not follow the record before it"
        case .broken(.hashMismatch(let seq)): "record \(seq) was altered: its hash does not match its contents"
        case .headMismatch(let recorded, let walked): "the records end at \(walked) but the high-water mark is \(recorded)"
        }
    }
}

public enum CentralStoreError: Error, CustomStringConvertible {
    case notEnrolled(String)

    public var description: String {
        switch self {
        case .notEnrolled(let code): "appliance \(code) is not enrolled (holdfast-central enroll)"
        }
    }
}
