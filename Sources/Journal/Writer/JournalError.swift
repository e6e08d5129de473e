import GRDB
public import Wagering

/// Why the journal did not acknowledge a command. Nothing was journaled in any of these cases.
public enum JournalError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The book refused the command (odds moved, limit, suspended market, ...).
    case refused(BookRefusal)
    /// The idempotency key was used before by this terminal for a different request.
    case idempotencyConflict(terminal: TerminalID, key: String, existingTicket: TicketID)
    /// The commit queue is at its bound; retry shortly.
    case queueFull(capacity: Int)
    /// The journal is closed or closing (shutdown); no new commands.
    case closed
    /// SQLite failed (disk full, I/O error). The batch was rolled back; nothing was acknowledged.
    case storage(String)

    public var description: String {
        switch self {
        case .refused(let refusal): refusal.description
        case .idempotencyConflict(let terminal, let key, let ticket):
            "idempotency key '\(key)' of terminal \(terminal) was already used for ticket \(ticket) with a different request"
        case .queueFull(let capacity): "the journal's commit queue is full (\(capacity) waiting); retry shortly"
        case .closed: "the journal is closed: intake has stopped"
        case .storage(let detail): "the journal could not write (nothing was recorded): \(detail)"
        }
    }
}

/// Why a journal could not be opened for writing. The journal is left exactly as found.
public enum JournalOpenError: Error, Hashable, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case integrityCheckFailed(String)
    case verificationFailed(VerificationFailure)
    /// The head marker shows records committed beyond the database's last record.
    case lostCommittedRecords(markerSeq: Int64, databaseSeq: Int64)
    case configurationMismatch(key: String, journal: String, configured: String)
    case derivedStateInvalid(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the journal at \(path): \(reason)"
        case .integrityCheckFailed(let detail): "SQLite integrity check failed: \(detail)"
        case .verificationFailed(let failure): "journal verification failed: \(failure)"
        case .lostCommittedRecords(let marker, let database):
            "the journal lost committed records: the head marker says record \(marker) was committed, the database ends at \(database) (a truncated or damaged WAL?). Restore from backup or central; do not take bets on this journal"
        case .configurationMismatch(let key, let journal, let configured):
            "the journal was created with \(key) = \(journal), the configuration says \(configured)"
        case .derivedStateInvalid(let detail): "derived state cannot be loaded (\(detail)); run `holdfast journal rebuild`"
        }
    }
}

extension JournalError {
    /// What a terminal, a technician and an alert are told about a write SQLite refused: its
    /// message and code ("database or disk is full (SQLite error 13)"), without the SQL
    /// statement GRDB's description adds, which names nothing a reader can act on.
    static func storageReason(_ error: any Error) -> String {
        guard let database = error as? DatabaseError else { return String(describing: error) }
        return "\(database.message ?? "SQLite error") (SQLite error \(database.extendedResultCode.rawValue))"
    }
}
