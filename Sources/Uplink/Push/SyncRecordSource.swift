public import SyncProtocol

/// The journal as the uplink reads it: committed records only, in order.
public protocol SyncRecordSource: Sendable {
    /// Committed records after `seq`, in order, at most `limit`.
    func records(after seq: Int64, limit: Int) async throws -> [JournalRecord]
    /// The last committed record's seq and hash.
    func head() async throws -> SyncHead
    /// The hash of committed record `seq`, or nil when there is none.
    func hash(of seq: Int64) async throws -> [UInt8]?
    /// Returns once a record after `seq` is committed, or after `timeout`, whichever is first.
    func waitForRecord(after seq: Int64, timeout: Duration) async
}
