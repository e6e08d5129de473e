import Appliance
import Foundation

/// The disk-full scenario of `holdfast drill`: holdfastd holds its journal at its size so the next
/// write fails with SQLite's own "database or disk is full" (the card itself is not filled), and
/// the checks follow the journal, readiness and the alert as the daemon reports them.
extension DrillCommand {
    func diskFull(_ client: ControlClient, _ checks: inout DrillChecks) async throws {
        _ = try await checks.expectJournal("the journal writes and the appliance is ready", within: .seconds(2), client) {
            $0.writable && $0.ready
        }
        let started = ContinuousClock.now
        let filled = try await client.post("/drill/disk-full", answering: DiskFullDrill.Filled.self)
        checks.record("once it cannot grow, a write is refused as a full disk",
                      observed: "\(filled.recordsFitted) drill records fitted, then: \(filled.refusal)",
                      passed: filled.refusal.contains("full"), after: ContinuousClock.now - started)
        _ = try await checks.expectJournal("not ready, naming the journal; alert raised (2 s)", within: .seconds(2), client) {
            !$0.writable && !$0.ready && $0.notReadyReason?.contains("the journal cannot write") == true && $0.alertRaised
        }
        _ = try await client.post("/drill/end")
        _ = try await checks.expectJournal("writes again, ready, the alert journaled (2 s)", within: .seconds(2), client) {
            $0.writable && $0.ready && !$0.alertRaised && !$0.diskFullDrill
        }
    }
}

extension DrillChecks {
    /// Polls the journal's status until `condition` holds or `bound` passes, and records the result.
    mutating func expectJournal(_ expected: String, within bound: Duration, _ client: ControlClient,
                                _ condition: (JournalWriteStatus) -> Bool) async throws -> JournalWriteStatus {
        try await poll(expected, within: bound, every: .milliseconds(50), { try await client.journal() }, describe: { status in
            let writes = status.writable ? "writes" : "cannot write (\(status.failedBatches ?? 0) batches refused)"
            let readiness = status.ready ? "ready" : "not ready: \(status.notReadyReason ?? "?")"
            return "\(writes); \(readiness)\(status.alertRaised ? "; alert raised" : "")"
        }, condition)
    }
}
