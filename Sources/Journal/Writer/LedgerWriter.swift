import Foundation
import GRDB
import SyncProtocol
import Logging
import NIOConcurrencyHelpers
import Wagering

/// Applies batches of commands to the book and the database in one transaction each.
///
/// Confinement: every method runs inside a GRDB write access, which GRDB serializes on its writer
/// queue, so the mutable state here is never touched concurrently (hence `@unchecked Sendable`).
final class LedgerWriter: @unchecked Sendable {
    private(set) var book: Book
    /// The board and the open-ticket count as of the last commit, for readers outside the
    /// writer: a copy of the whole book held while the writer commits again would make that
    /// commit copy every open-ticket dictionary.
    private let committedView: NIOLockedValueBox<CommittedView>

    struct CommittedView: Sendable {
        var board: Board
        var openTickets: Int
        /// The head the board is as of: read together, so a board is never paired with a later
        /// version (two refreshes racing could otherwise cache an older board as the newer one).
        var headSeq: Int64
    }
    private(set) var head: HeadMarker.Head
    /// The betting limits as of the last commit. Central's limits reach the book only through
    /// `.setLimits` and are not in the derived tables, so a reload after a failed batch takes them
    /// from here rather than from the configuration file.
    private var committedLimits: BettingLimits
    private var idempotency: IdempotencyIndex
    private let configuration: JournalConfiguration
    private let ticketKey: TicketKey
    let offline: OfflineLedger
    private let clock: any JournalClock
    private let headMarker: HeadMarker
    private let logger: Logger
    /// Set when the state could not be reloaded after a failed batch: from then on every batch
    /// fails until the journal is reopened (and verified) rather than run on unknown state.
    private var poisoned: String?

    init(book: Book, head: HeadMarker.Head, idempotency: IdempotencyIndex, configuration: JournalConfiguration,
         ticketKey: TicketKey, offline: OfflineLedger, clock: any JournalClock, logger: Logger) {
        self.book = book
        self.idempotency = idempotency
        self.committedView = NIOLockedValueBox(CommittedView(board: book.board, openTickets: book.openTicketCount, headSeq: head.seq))
        self.head = head
        self.committedLimits = book.limits
        self.configuration = configuration
        self.ticketKey = ticketKey
        self.offline = offline
        self.clock = clock
        self.headMarker = HeadMarker(path: configuration.headMarkerPath)
        self.logger = logger
    }

    /// Runs the batch in one immediate transaction. Refusals are per command; a storage failure
    /// rolls the whole batch back, fails every command in it and reloads the book from the
    /// database, so memory never holds a change the disk does not.
    func commit(_ commands: [JournalCommand], db: Database) -> [Result<CommandOutcome, JournalError>] {
        if let poisoned {
            return commands.map { _ in .failure(.storage("the journal must be reopened: \(poisoned)")) }
        }
        var outcomes: [Result<CommandOutcome, JournalError>] = []
        outcomes.reserveCapacity(commands.count)
        var chain = head
        do {
            try db.inTransaction(.immediate) {
                var derived = DerivedStateWriter()
                for command in commands {
                    outcomes.append(try execute(command, chain: &chain, derived: &derived, db: db))
                }
                try derived.flush(book: book, db: db)
                if chain.seq > head.seq {
                    try idempotency.writeRunStep(head: chain.seq, appended: Int(chain.seq - head.seq), db)
                }
                return .commit
            }
        } catch {
            let reason = JournalError.storageReason(error)
            logger.error("journal batch rolled back; \(commands.count) commands not acknowledged", metadata: ["error": "\(error)"])
            reload(db)
            offline.discard(after: head.seq)
            return commands.map { _ in .failure(.storage(reason)) }
        }
        head = chain
        committedLimits = book.limits
        publishCommittedView()
        do {
            try headMarker.write(chain)
        } catch {
            logger.warning("head marker not updated; lost-record detection is weaker until the next commit",
                           metadata: ["error": "\(error)"])
        }
        return outcomes
    }

    var committedBoard: (board: Board, headSeq: Int64) { committedView.withLockedValue { ($0.board, $0.headSeq) } }
    var committedOpenTickets: Int { committedView.withLockedValue { $0.openTickets } }

    private func publishCommittedView() {
        let view = CommittedView(board: book.board, openTickets: book.openTicketCount, headSeq: head.seq)
        committedView.withLockedValue { $0 = view }
    }

    /// The journal clock's wall time, for callers outside a batch.
    func wallMillis() -> Int64 { clock.wallMillis() }

    private func reload(_ db: Database) {
        do {
            book = try DerivedStateLoader.loadBook(db, into: configuration.emptyBook)
            book.limits = committedLimits
            head = try JournalReader.head(db)
            idempotency = try IdempotencyIndex.load(db, runLength: configuration.idempotencyRunLength)
            publishCommittedView()
        } catch {
            // Keeping the old book would acknowledge against state that was rolled back.
            poisoned = String(describing: error)
            logger.critical("journal state could not be reloaded after a failed batch; refusing all commands until reopened",
                            metadata: ["error": "\(error)"])
        }
    }

    private func execute(_ command: JournalCommand, chain: inout HeadMarker.Head, derived: inout DerivedStateWriter,
                         db: Database) throws -> Result<CommandOutcome, JournalError> {
        let wall = clock.wallMillis()
        let applied: Applied
        var receiptCode: SecurityCode?
        do {
            switch command {
            case .place(let request):
                if let serial = try idempotency.serial(terminal: request.terminalID, key: request.idempotencyKey, db) {
                    let earlier = try JournalReader.placedBet(serial: serial, db)
                    guard earlier.requestDigest == request.requestDigest else {
                        return .failure(.idempotencyConflict(terminal: request.terminalID, key: request.idempotencyKey,
                                                             existingTicket: earlier.ticketID))
                    }
                    let code = SecurityCode(for: earlier.ticketID, key: ticketKey)
                    let issued = earlier.securityDigest.matches(code.digest) ? code : nil
                    let (status, amount) = try standing(of: earlier.ticketID, db)
                    return .success(.placed(PlacementReceipt(bet: earlier, securityCode: issued, seq: serial, isReplay: true,
                                                             status: status, amount: amount)))
                }
                if request.newBetsRefused { return .failure(.closed) }
                if let closed = request.offlineClosed { return .failure(.refused(.offline(closed))) }
                let ticketID = TicketID(applianceCode: configuration.applianceCode, serial: UInt64(chain.seq + 1))
                let code = SecurityCode(for: ticketID, key: ticketKey)
                let seq = chain.seq + 1
                applied = try book.place(request, ticketID: ticketID, securityDigest: code.digest, nowMillis: wall) { [offline] bet, terms throws(BookRefusal) in
                    try offline.admit(bet, seq: seq, terms: terms)
                }
                receiptCode = code
            case .publish(let market): applied = try book.publish(market)
            case .changePrice(let selection, let odds): applied = try book.changePrice(of: selection, to: odds)
            case .setStatus(let market, let status, let inPlay): applied = try book.setStatus(of: market, to: status, inPlay: inPlay)
            case .withdraw(let selection): applied = try book.withdraw(selection)
            case .result(let result): applied = try book.result(result)
            case .void(let ticket, let terminal, let reason, let window):
                applied = try refineUnknown(ticket, db, as: BookRefusal.ticketNotOpen) { () throws(BookRefusal) in
                    try book.void(ticket, by: terminal, reason: reason, nowMillis: wall, windowMillis: window)
                }
            case .verdict(let ticket, let decision, let reason, let detail):
                applied = try book.applyVerdict(ticket, decision, reason: reason, detail: detail, nowMillis: wall)
            case .pay(let ticket, let code, let terminal, let early):
                applied = try refineUnknown(ticket, db, as: BookRefusal.ticketNotPayable) { () throws(BookRefusal) in
                    try book.pay(ticket, code: code.digest, at: terminal, nowMillis: wall, early: early)
                }
            case .decideDelayed(let ticket, let giveUp):
                applied = try refineUnknown(ticket, db, as: BookRefusal.notPending) { () throws(BookRefusal) in
                    try book.decideDelayed(ticket, nowMillis: wall, giveUp: giveUp)
                }
            case .record(let category, let message):
                applied = book.record(SignificantEvent(category: category, message: message, atMillis: wall))
            case .setLimits(let limits):
                book.limits = limits
                applied = book.record(SignificantEvent(category: "limits.changed", message: "betting limits set: \(limits.summary)", atMillis: wall))
            }
        } catch let refusal as BookRefusal {
            return .failure(.refused(refusal))
        }
        let seq = try append(applied.event, wallMillis: wall, chain: &chain, db: db)
        try derived.record(applied, seq: seq, db: db)
        if let receiptCode, case .betPlaced(let bet) = applied.event {
            idempotency.placed(terminal: bet.terminalID, key: bet.idempotencyKey, serial: seq)
            return .success(.placed(PlacementReceipt(bet: bet, securityCode: receiptCode, seq: seq, isReplay: false,
                                                     status: applied.tickets.first?.status ?? .open, amount: 0)))
        }
        return .success(.journaled(JournaledFact(seq: seq, applied: applied)))
    }

    /// A ticket's status and amount: from the book while it is unfinished (no read), else from
    /// the tickets table (lost, paid).
    private func standing(of ticket: TicketID, _ db: Database) throws -> (TicketStatus, Int64) {
        if let state = book.ticket(ticket) { return (state.status, state.amountOwed) }
        guard let stored = try JournalReader.ticketStanding(ticket, db) else {
            throw JournalOpenError.derivedStateInvalid("ticket \(ticket) has a bet.placed record but no row in the tickets table")
        }
        return stored
    }

    /// The book forgets finished tickets; a payout or void of one is answered from the tickets
    /// table with its real status ("paid", "lost") rather than "unknown".
    private func refineUnknown(_ ticket: TicketID, _ db: Database, as refusal: (TicketID, TicketStatus) -> BookRefusal,
                               _ body: () throws(BookRefusal) -> Applied) throws -> Applied {
        do {
            return try body()
        } catch .unknownTicket(let id) {
            guard let status = try JournalReader.ticketStatus(id, db) else { throw BookRefusal.unknownTicket(id) }
            throw refusal(id, status)
        }
    }

    private func append(_ event: LedgerEvent, wallMillis: Int64, chain: inout HeadMarker.Head, db: Database) throws -> Int64 {
        let seq = chain.seq + 1
        let payload = try EventCoding.encode(event)
        let monotonic = clock.monotonicNanos()
        let hash = ChainHash.compute(previousHash: chain.hash, seq: seq, wallMillis: wallMillis, monotonicNanos: monotonic,
                                     kind: event.kind, payload: payload)
        try db.cachedStatement(sql: """
            INSERT INTO journal (seq, wall_ms, mono_ns, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [seq, wallMillis, monotonic, event.kind, Data(payload), Data(chain.hash), Data(hash)])
        chain = HeadMarker.Head(seq: seq, hash: hash)
        return seq
    }
}
