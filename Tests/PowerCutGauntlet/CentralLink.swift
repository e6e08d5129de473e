import Foundation
import TestSupport

/// The operator's central for the VM's appliance: a real `holdfast-central` on a private
/// PostgreSQL on the host, reached through the fault proxy (the guest sees the host's loopback at
/// 10.0.2.2), so the appliance pushes its journal all through the load. Holding every chunk in the
/// proxy before a cut puts the cut in the middle of a sync batch: a push on its way to central, or
/// central's answer to one it committed on its way back.
final class CentralLink {
    private let central: CentralFixture
    private let proxy: FaultProxy

    init() async throws {
        central = try CentralFixture(applianceCode: ApplianceVM.applianceCode, serverNames: ["10.0.2.2"])
        try await central.start()
        proxy = try FaultProxy(upstreamPort: central.port)
    }

    /// Files the guest needs (they keep their host paths inside the VM).
    var files: [String] {
        [central.certificate(ApplianceVM.applianceCode), central.key(ApplianceVM.applianceCode), central.caFile]
    }

    /// The appliance's `uplink:` section. The timeouts allow for TLS under qemu's TCG.
    var uplinkSection: String {
        """
        uplink:
          endpoints: [{ url: "https://10.0.2.2:\(proxy.port)" }]
          certificate: \(central.certificate(ApplianceVM.applianceCode))
          key: \(central.key(ApplianceVM.applianceCode))
          central_ca: \(central.caFile)
          request_timeout_ms: 15000
          retry_initial_ms: 200
          retry_max_seconds: 2
          idle_check_seconds: 1
        """
    }

    /// From now on every chunk either way waits `milliseconds` in the link.
    func slow(milliseconds: Int) { proxy.set(.latency(milliseconds: milliseconds)) }

    func clear() { proxy.set(.none) }

    /// A push or its answer is held in the link right now.
    var batchInFlight: Bool { proxy.chunksHeld > 0 }

    /// Central's high-water mark for the appliance.
    func highWater() throws -> Int64 { try central.highWater() }

    /// Waits until central's mark is the appliance's journal head (`applianceHead`): the appliance
    /// pushed all it had. The head itself, not a spell of quiet: under qemu's TCG on a busy host a
    /// push can wait out a request timeout (15 s) and a retry, which a quiet spell would take for
    /// the end. The bound is a hang guard: pushing what is left takes seconds.
    func waitUntilHolding(_ applianceHead: () async throws -> Int64, within bound: Duration = .seconds(300)) async throws {
        let deadline = ContinuousClock.now + bound
        while true {
            let head = try await applianceHead()
            let mark = try highWater()
            if mark == head { return }
            guard ContinuousClock.now < deadline else {
                throw ChildProcessError("central's mark was \(mark) and the appliance's head \(head) after \(bound)")
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// What central holds against the journal read off the disk: every record exactly once,
    /// ending in the same hash, its chain verified in PostgreSQL, the same bets. Nil when all is
    /// well; otherwise what differs.
    func compare(with journal: JournalAudit) throws -> String? {
        let counts = try central.recordCounts()
        guard counts.rows == journal.records, counts.distinct == journal.records, counts.max == journal.records else {
            return "central holds \(counts.rows) rows (\(counts.distinct) distinct, up to seq \(counts.max)); the journal has \(journal.records)"
        }
        guard try central.hash(at: journal.records) == journal.headHash else {
            return "central's record \(journal.records) has another hash than the journal's"
        }
        let verified = try central.verify()
        guard verified.contains("verified: \(journal.records) records") else { return "central's chain: \(verified)" }
        let tickets = try central.ticketIDs()
        guard tickets == journal.ticketIDs else {
            return "central holds \(tickets.count) bets, the journal \(journal.ticketIDs.count); \(tickets.symmetricDifference(journal.ticketIDs).count) differ"
        }
        return nil
    }

    func stop() {
        proxy.stop()
        central.killAll()
    }
}
