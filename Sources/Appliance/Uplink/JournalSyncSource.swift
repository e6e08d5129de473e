import Journal
import SyncProtocol
import Uplink

/// The journal as the uplink reads it.
struct JournalSyncSource: SyncRecordSource {
    let journal: BetJournal

    func records(after seq: Int64, limit: Int) async throws -> [JournalRecord] {
        try await journal.records(after: seq, limit: limit)
    }

    func head() async throws -> SyncHead {
        try await journal.head()
    }

    func hash(of seq: Int64) async throws -> [UInt8]? {
        try await journal.hash(of: seq)
    }

    func waitForRecord(after seq: Int64, timeout: Duration) async {
        await journal.commits.wait(beyond: seq, timeout: timeout)
    }
}

/// The machine's clocks, as the uplink reads them.
struct UplinkSystemClock: UplinkClock {
    let clock: any JournalClock

    func wallMillis() -> Int64 { clock.wallMillis() }

    func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
