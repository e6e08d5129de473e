public import Journal
public import SyncProtocol
public import Uplink

/// The journal as the uplink reads it.
public struct JournalSyncSource: SyncRecordSource {
    let journal: BetJournal

    public init(journal: BetJournal) {
        self.journal = journal
    }

    public func records(after seq: Int64, limit: Int) async throws -> [JournalRecord] {
        try await journal.records(after: seq, limit: limit)
    }

    public func head() async throws -> SyncHead {
        try await journal.head()
    }

    public func hash(of seq: Int64) async throws -> [UInt8]? {
        try await journal.hash(of: seq)
    }

    public func waitForRecord(after seq: Int64, timeout: Duration) async {
        await journal.commits.wait(beyond: seq, timeout: timeout)
    }
}

/// The machine's clocks, as the uplink reads them.
public struct UplinkSystemClock: UplinkClock {
    let clock: any JournalClock

    public init(clock: any JournalClock) {
        self.clock = clock
    }

    public func wallMillis() -> Int64 { clock.wallMillis() }
    public func monotonicNanos() -> Int64 { clock.monotonicNanos() }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
