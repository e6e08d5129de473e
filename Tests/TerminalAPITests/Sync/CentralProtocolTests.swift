import Foundation
import Logging
import SyncProtocol
import TestSupport
import Testing
import Uplink
import Wagering

extension SyncSuites {
    /// Central's side of the push protocol against the real holdfast-central and PostgreSQL,
    /// spoken by the appliance's own HTTPS transport with its client certificate.
    @Suite("holdfast-central: idempotent, chain-checked ingestion over mutual TLS", .timeLimit(.minutes(2)))
    struct CentralProtocolTests {
        let central: CentralFixture
        let endpoint: URL

        init() async throws {
            central = try CentralFixture()
            try await central.start()
            endpoint = URL(string: "https://127.0.0.1:\(central.port)")!
        }

        func transport(as code: String = CentralFixture.testApplianceCode) throws -> HTTPSyncTransport {
            let settings = UplinkSettings(endpoints: [endpoint], certificateFile: central.certificate(code), keyFile: central.key(code),
                                          centralCAFile: central.caFile, requestTimeout: .seconds(30)) // a hang guard
            return try HTTPSyncTransport(settings: settings, appliance: code)
        }

        @Test("a resent batch is acknowledged without being stored twice; the chain verifies in PostgreSQL")
        func idempotentResend() async throws {
            let link = try transport()
            defer { Task { await link.shutdown() } }
            let records = RecordChain.make(count: 40)
            let code = CentralFixture.testApplianceCode
            #expect(try await link.highWater(at: endpoint).highWater == .empty)

            let first = try await link.push(PushBatch(appliance: code, records: Array(records[0..<25])), to: endpoint)
            #expect(first.stored == 25 && first.highWater.seq == 25)
            // The answer to that push was "lost": the appliance resends from an older mark.
            let overlap = try await link.push(PushBatch(appliance: code, records: Array(records[10..<40])), to: endpoint)
            #expect(overlap.stored == 15)
            #expect(overlap.highWater == SyncHead(seq: 40, hash: records[39].hash))
            let again = try await link.push(PushBatch(appliance: code, records: Array(records[30..<40])), to: endpoint)
            #expect(again.stored == 0 && again.highWater.seq == 40)

            let counts = try central.recordCounts()
            #expect(counts.rows == 40 && counts.distinct == 40 && counts.max == 40)
            #expect(try central.verify().contains("verified: 40 records"))
        }

        @Test("a gap, a fork and an altered record are each refused with the reason, and alert once")
        func refusals() async throws {
            let link = try transport()
            defer { Task { await link.shutdown() } }
            let code = CentralFixture.testApplianceCode
            let records = RecordChain.make(count: 10)
            _ = try await link.push(PushBatch(appliance: code, records: Array(records[0..<5])), to: endpoint)

            let gap = await refusal { try await link.push(PushBatch(appliance: code, records: Array(records[6..<10])), to: endpoint) }
            #expect(gap?.type == .gap && gap?.highWater?.seq == 5 && gap?.seq == 7)

            // Another history from record 6 on: intact records, but not central's chain.
            let other = RecordChain.make(count: 8, salt: "other history")
            for _ in 0..<3 {
                let fork = await refusal { try await link.push(PushBatch(appliance: code, records: Array(other[5..<8])), to: endpoint) }
                #expect(fork?.type == .fork && fork?.seq == 6)
            }
            // A resend that disagrees with what central already holds is a fork too.
            let rewritten = await refusal { try await link.push(PushBatch(appliance: code, records: Array(other[2..<4])), to: endpoint) }
            #expect(rewritten?.type == .fork && rewritten?.seq == 3)

            var altered = records[5]
            altered.payload = Array(#"{"tampered":true}"#.utf8)
            let tampered = await refusal { try await link.push(PushBatch(appliance: code, records: [altered]), to: endpoint) }
            #expect(tampered?.type == .altered && tampered?.seq == 6)

            #expect(try central.recordCounts().rows == 5, "a refused batch stores nothing")
            #expect(try central.openAlerts() == ["/sync-problems/gap 7", "/sync-problems/fork 6", "/sync-problems/fork 3",
                                                 "/sync-problems/altered 6"],
                    "each refusal raised one alert, however often it was retried")
        }

        @Test("central refuses an unenrolled certificate, a batch for another appliance, and a client without a certificate")
        func identity() async throws {
            try central.issueAppliance("K222")
            let stranger = try transport(as: "K222")
            defer { Task { await stranger.shutdown() } }
            let unknown = await refusal { try await stranger.highWater(at: endpoint) }
            #expect(unknown?.type == .unknownAppliance)

            let link = try transport()
            defer { Task { await link.shutdown() } }
            let wrong = await refusal { try await link.push(PushBatch(appliance: "K222", records: RecordChain.make(count: 1)), to: endpoint) }
            #expect(wrong?.type == .wrongAppliance)

            // No client certificate: the TLS handshake itself fails; nothing reaches a handler.
            let anonymous = #expect(throws: ChildProcessError.self) {
                try Command.run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "--cacert", central.caFile, endpoint.absoluteString + SyncPath.health])
            }
            #expect(anonymous?.description.contains("certificate required") == true, "\(String(describing: anonymous))")
            #expect(try central.recordCounts().rows == 0)
        }

        @Test("a ticket paid twice in the records central receives raises an alert")
        func ticketPaidTwice() async throws {
            let link = try transport()
            defer { Task { await link.shutdown() } }
            let ticket = TicketID(applianceCode: try ApplianceCode(CentralFixture.testApplianceCode), serial: 29)
            let payment = String(decoding: try JSONEncoder().encode(TicketPayment(ticketID: ticket, terminalID: "counter-1",
                                                                                  amount: Money(minorUnits: 400, currency: .gbp), atMillis: 1)),
                                 as: UTF8.self)
            let records = RecordChain.make(kinds: [("ticket.paid", payment), ("appliance.event", #"{"category":"x","message":"y","atMillis":2}"#),
                                                   ("ticket.paid", payment)])
            let answer = try await link.push(PushBatch(appliance: CentralFixture.testApplianceCode, records: records), to: endpoint)
            #expect(answer.stored == 3, "the records are the appliance's history and are kept")
            #expect(try central.openAlerts() == ["ticket-paid-twice 3"])
        }

        private func refusal(_ body: () async throws -> PushAnswer) async -> SyncProblem? {
            do {
                let answer = try await body()
                Issue.record("central accepted what it should refuse: \(answer)")
                return nil
            } catch UplinkError.refused(let problem) {
                return problem
            } catch {
                Issue.record("expected a refusal, got \(error)")
                return nil
            }
        }
    }
}

/// Chains of well-formed records, built as an appliance's journal would build them.
enum RecordChain {
    static func make(kinds: [(kind: String, payload: String)]) -> [JournalRecord] {
        var previous = ChainHash.genesis
        return kinds.enumerated().map { index, item in
            let seq = Int64(index + 1)
            let payload = Array(item.payload.utf8)
            let hash = ChainHash.compute(previousHash: previous, seq: seq, wallMillis: seq, monotonicNanos: seq, kind: item.kind, payload: payload)
            defer { previous = hash }
            return JournalRecord(seq: seq, wallMillis: seq, monotonicNanos: seq, kind: item.kind, payload: payload, previousHash: previous, hash: hash)
        }
    }

    static func make(count: Int, salt: String = "") -> [JournalRecord] {
        var previous = ChainHash.genesis
        return (1...Int64(count)).map { seq in
            let payload = Array(#"{"category":"test","message":"record \#(seq)\#(salt)","atMillis":\#(seq)}"#.utf8)
            let hash = ChainHash.compute(previousHash: previous, seq: seq, wallMillis: seq, monotonicNanos: seq,
                                         kind: "appliance.event", payload: payload)
            defer { previous = hash }
            return JournalRecord(seq: seq, wallMillis: seq, monotonicNanos: seq, kind: "appliance.event", payload: payload,
                                 previousHash: previous, hash: hash)
        }
    }
}
