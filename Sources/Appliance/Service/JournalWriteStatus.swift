/// Whether the journal writes, for `holdfast drill` and the console: the failure if any, whether
/// its alert is raised, and what readiness says.
public struct JournalWriteStatus: Codable, Sendable {
    public var writable: Bool
    public var reason: String?
    public var sinceMillis: Int64?
    public var failedBatches: Int?
    /// The journal-cannot-write alert is raised and its record not yet journaled.
    public var alertRaised: Bool
    public var diskFullDrill: Bool
    public var ready: Bool
    public var notReadyReason: String?
}

extension ApplianceService {
    public func journalWriteStatus(drillRunning: Bool) async -> JournalWriteStatus {
        let failure = journal.writeFailure
        let notReady = await notReadyReason()
        return JournalWriteStatus(writable: failure == nil, reason: failure?.reason, sinceMillis: failure?.sinceWallMillis,
                                  failedBatches: failure?.failedBatches, alertRaised: journalWriteAlarm.raisedFor != nil,
                                  diskFullDrill: drillRunning, ready: notReady == nil, notReadyReason: notReady)
    }
}
