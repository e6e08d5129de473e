/// A ticket the book still tracks: open, settled or voided with money owed, or taken offline and
/// awaiting central's verdict.
///
/// A value type whose fields live out of line in copy-on-write storage. The book holds every
/// open ticket in a dictionary, whose buckets are 25-75 % full; with the fields inline each
/// bucket, empty or not, would take a whole ticket's bytes, and growing the dictionary would
/// copy them all. Out of line a bucket holds one reference, and the legs are allocated in the
/// same block as the rest rather than as an array of their own, which saved an allocation and an
/// array header (48 bytes) per open ticket (docs/benchmarks-history.md, "Memory per open ticket").
public struct TicketState: Hashable, Sendable {
    /// `ManagedBuffer` opts out of Sendable; sharing is safe here for the reason given on `Storage`.
    nonisolated(unsafe) private var storage: Storage

    init(terms: TicketTerms, outcomes: [Outcome?], status: TicketStatus, amountOwed: Int64, awaitingVerdict: Bool = false) {
        storage = Storage.make(terms: terms, outcomes: outcomes, status: status, amountOwed: amountOwed, awaitingVerdict: awaitingVerdict)
    }

    /// The struck terms, legs copied out of the ticket's storage into an array.
    public var terms: TicketTerms { storage.terms }

    /// Per leg, once the first of its markets is resulted; empty before (most open tickets are
    /// waiting for their first result).
    public internal(set) var outcomes: [Outcome?] {
        get { storage.header.outcomes }
        set { uniqueStorage().header.outcomes = newValue }
    }

    public internal(set) var status: TicketStatus {
        get { storage.header.status }
        set { uniqueStorage().header.status = newValue }
    }

    /// What the customer is owed (settled return or refunded stake); zero while open.
    public internal(set) var amountOwed: Int64 {
        get { storage.header.amountOwed }
        set { uniqueStorage().header.amountOwed = newValue }
    }

    /// True for a bet taken offline until central's verdict is journaled: until then a win is
    /// not paid, and the ticket stays in the book even once lost or paid (a refund), so the
    /// verdict finds it whenever it comes.
    public internal(set) var awaitingVerdict: Bool {
        get { storage.header.awaitingVerdict }
        set { uniqueStorage().header.awaitingVerdict = newValue }
    }

    /// For a paid ticket, what was paid above its stake: what a void of it, owing the stake back,
    /// cannot take back (a win paid before its verdict). Zero otherwise.
    var paidAboveStake: Int64 {
        status == .paid ? max(0, amountOwed - terms.totalStake) : 0
    }

    /// Records the outcome of each of this ticket's legs on `market`.
    mutating func recordOutcomes(of result: MarketResult, in market: Market) {
        let legs = terms.legs
        var recorded = outcomes.isEmpty ? Array(repeating: nil, count: legs.count) : outcomes
        for (index, leg) in legs.enumerated() where leg.marketID == market.id {
            recorded[index] = result.outcome(of: leg.selectionID, in: market)
        }
        outcomes = recorded
    }

    var allLegsResulted: Bool { !outcomes.isEmpty && outcomes.allSatisfy { $0 != nil } }

    public static func == (lhs: TicketState, rhs: TicketState) -> Bool {
        lhs.storage === rhs.storage
            || (lhs.terms == rhs.terms && lhs.outcomes == rhs.outcomes && lhs.status == rhs.status && lhs.amountOwed == rhs.amountOwed
                && lhs.awaitingVerdict == rhs.awaitingVerdict)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(terms)
        hasher.combine(outcomes)
        hasher.combine(status)
        hasher.combine(amountOwed)
        hasher.combine(awaitingVerdict)
    }

    private mutating func uniqueStorage() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// The terms and state of one ticket, its legs allocated after them in the same block.
    /// Mutated only through `uniqueStorage()`, that is only when no other value shares it: the
    /// same argument that makes the standard library's copy-on-write collections Sendable.
    private final class Storage: ManagedBuffer<Storage.Header, StruckLeg> {
        struct Header {
            let terminalID: TerminalID
            let kind: BetKind
            let stakePerLine: Int64
            let totalStake: Int64
            let placedAtMillis: Int64
            let securityDigest: SecurityDigest
            let legCount: Int
            var outcomes: [Outcome?]
            var status: TicketStatus
            var amountOwed: Int64
            var awaitingVerdict: Bool
        }

        static func make(terms: TicketTerms, outcomes: [Outcome?], status: TicketStatus, amountOwed: Int64,
                         awaitingVerdict: Bool) -> Storage {
            let header = Header(terminalID: terms.terminalID, kind: terms.kind, stakePerLine: terms.stakePerLine, totalStake: terms.totalStake,
                                placedAtMillis: terms.placedAtMillis, securityDigest: terms.securityDigest, legCount: terms.legs.count,
                                outcomes: outcomes, status: status, amountOwed: amountOwed, awaitingVerdict: awaitingVerdict)
            let storage = unsafeDowncast(Storage.create(minimumCapacity: terms.legs.count) { _ in header }, to: Storage.self)
            storage.withUnsafeMutablePointerToElements { legs in
                let (_, copied) = UnsafeMutableBufferPointer(start: legs, count: terms.legs.count).initialize(from: terms.legs)
                assert(copied == terms.legs.count, "every leg is copied into the ticket's storage")
            }
            return storage
        }

        deinit {
            _ = withUnsafeMutablePointers { header, legs in legs.deinitialize(count: header.pointee.legCount) }
        }

        var terms: TicketTerms {
            withUnsafeMutablePointers { header, legs in
                let fields = header.pointee
                return TicketTerms(terminalID: fields.terminalID, kind: fields.kind,
                                   legs: Array(UnsafeBufferPointer(start: legs, count: fields.legCount)),
                                   stakePerLine: fields.stakePerLine, totalStake: fields.totalStake,
                                   placedAtMillis: fields.placedAtMillis, securityDigest: fields.securityDigest)
            }
        }

        func copy() -> Storage {
            Storage.make(terms: terms, outcomes: header.outcomes, status: header.status, amountOwed: header.amountOwed,
                         awaitingVerdict: header.awaitingVerdict)
        }
    }
}
