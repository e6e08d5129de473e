import Foundation
public import Wagering

/// How a journal is opened. Every bound is explicit (ARCHITECTURE.md, invariant 7).
public struct JournalConfiguration: Sendable {
    /// Directory holding `journal.sqlite`, its WAL, the head marker and the ticket key.
    public var directory: String
    public var applianceCode: ApplianceCode
    public var currency: Currency
    public var limits: BettingLimits
    /// The in-play delay and the bounds on bets waiting it out (docs/adr/0014-in-play-delay.md).
    public var inPlayRules = InPlayRules.standard
    /// Most tickets open or awaiting payout at once; bets beyond it are refused.
    public var maxOpenTickets: Int
    /// Most commands waiting for a commit; a command beyond it is refused at once (`queueFull`).
    public var queueCapacity: Int
    /// Most commands in one transaction.
    public var maxBatch: Int
    /// How long the writer waits for more commands before committing a batch that is not full.
    /// Zero commits as soon as the previous commit ends (natural group commit); set to zero on
    /// battery power.
    public var groupCommitDelay: Duration
    /// Placements the writer gathers in memory before writing them to the idempotency table as
    /// one sorted run (``IdempotencyIndex``): longer runs write fewer pages per bet, and hold
    /// more keys in memory and in the one commit that writes them.
    public var idempotencyRunLength: Int
    /// WAL length, in pages, at which a commit starts a checkpoint (``WALCheckpointer``, on a
    /// connection of its own). A quarter of SQLite's automatic 1,000: each round's sync of the
    /// database file then writes back a megabyte, not four, ahead of the commits' syncs, which
    /// took the p99 at 64 submitters from 5.1-5.7 ms to 3.5-4.5 for 3-4 % more bytes written per
    /// bet (docs/adr/0011-wal-checkpoints-off-the-writer.md).
    public var walCheckpointFrames: Int
    /// The SQLite VFS the database is opened through; nil for SQLite's default. The simulation
    /// opens it through a crash-injecting disk (Tests/CSimulatedDisk).
    public var sqliteVFS: String?

    public init(directory: String, applianceCode: ApplianceCode, currency: Currency, limits: BettingLimits,
                maxOpenTickets: Int = 100_000, queueCapacity: Int = 4_096, maxBatch: Int = 512,
                groupCommitDelay: Duration = .zero, idempotencyRunLength: Int = 2_048, walCheckpointFrames: Int = 250,
                sqliteVFS: String? = nil) {
        precondition(queueCapacity > 0 && maxBatch > 0 && maxOpenTickets > 0 && idempotencyRunLength > 0 && walCheckpointFrames > 0,
                     "journal bounds must be positive")
        self.directory = directory
        self.applianceCode = applianceCode
        self.currency = currency
        self.limits = limits
        self.maxOpenTickets = maxOpenTickets
        self.queueCapacity = queueCapacity
        self.maxBatch = maxBatch
        self.groupCommitDelay = groupCommitDelay
        self.idempotencyRunLength = idempotencyRunLength
        self.walCheckpointFrames = walCheckpointFrames
        self.sqliteVFS = sqliteVFS
    }

    var emptyBook: Book {
        var book = Book(currency: currency, limits: limits, maxOpenTickets: maxOpenTickets)
        book.inPlayRules = inPlayRules
        return book
    }

    public var databasePath: String { JournalFiles.database.in(directory) }
    /// What SQLite opens: the path, or a `file:` URI naming the VFS (Debian's SQLite takes URIs).
    var databaseOpenName: String {
        guard let sqliteVFS else { return databasePath }
        let escaped = databasePath.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? databasePath
        return "file:\(escaped)?vfs=\(sqliteVFS)"
    }
    var headMarkerPath: String { JournalFiles.headMarker.in(directory) }
    var ticketKeyPath: String { JournalFiles.ticketKey.in(directory) }
    var offlineMarkPath: String { JournalFiles.offlineMark.in(directory) }
}

/// The files of a journal's data directory, named once for the writer, backup, restore and
/// maintenance.
enum JournalFiles: String {
    case database = "journal.sqlite"
    case headMarker = "journal.head"
    case ticketKey = "ticket.key"
    /// Central's acknowledged head, for the offline limits; rebuilt from central, not backed up.
    case offlineMark = "central.acknowledged"

    /// What a backup holds and a restore puts back.
    static let backedUp: [JournalFiles] = [.database, .headMarker, .ticketKey]

    func `in`(_ directory: String) -> String { directory + "/" + rawValue }
}
