/// A ticket the book still tracks: open, or settled/voided with money owed.
///
/// A value type whose fields live out of line in copy-on-write storage. The book holds every
/// open ticket in a dictionary, whose buckets are 25-75 % full; with the fields inline each
/// bucket, empty or not, would take a whole ticket's 256 bytes, and growing the dictionary would
/// copy them all. Out of line a bucket holds one reference (docs/BENCHMARKS.md, "Memory per
/// open ticket").
public struct TicketState: Hashable, Sendable {
    private var storage: Storage

    init(terms: TicketTerms, outcomes: [Outcome?], status: TicketStatus, amountOwed: Int64) {
        storage = Storage(terms: terms, outcomes: outcomes, status: status, amountOwed: amountOwed)
    }

    public var terms: TicketTerms { storage.terms }

    /// Per leg, once the first of its markets is resulted; empty before (most open tickets are
    /// waiting for their first result).
    public internal(set) var outcomes: [Outcome?] {
        get { storage.outcomes }
        set { uniqueStorage().outcomes = newValue }
    }

    public internal(set) var status: TicketStatus {
        get { storage.status }
        set { uniqueStorage().status = newValue }
    }

    /// What the customer is owed (settled return or refunded stake); zero while open.
    public internal(set) var amountOwed: Int64 {
        get { storage.amountOwed }
        set { uniqueStorage().amountOwed = newValue }
    }

    /// Records the outcome of each of this ticket's legs on `market`.
    mutating func recordOutcomes(of result: MarketResult, in market: Market) {
        var recorded = outcomes.isEmpty ? Array(repeating: nil, count: terms.legs.count) : outcomes
        for (index, leg) in terms.legs.enumerated() where leg.marketID == market.id {
            recorded[index] = result.outcome(of: leg.selectionID, in: market)
        }
        outcomes = recorded
    }

    var allLegsResulted: Bool { !outcomes.isEmpty && outcomes.allSatisfy { $0 != nil } }

    public static func == (lhs: TicketState, rhs: TicketState) -> Bool {
        lhs.storage === rhs.storage
            || (lhs.terms == rhs.terms && lhs.outcomes == rhs.outcomes && lhs.status == rhs.status && lhs.amountOwed == rhs.amountOwed)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(terms)
        hasher.combine(outcomes)
        hasher.combine(status)
        hasher.combine(amountOwed)
    }

    private mutating func uniqueStorage() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// Mutated only through `uniqueStorage()`, that is only when no other value shares it: the
    /// same argument that makes the standard library's copy-on-write collections Sendable.
    private final class Storage: @unchecked Sendable {
        let terms: TicketTerms
        var outcomes: [Outcome?]
        var status: TicketStatus
        var amountOwed: Int64

        init(terms: TicketTerms, outcomes: [Outcome?], status: TicketStatus, amountOwed: Int64) {
            self.terms = terms
            self.outcomes = outcomes
            self.status = status
            self.amountOwed = amountOwed
        }

        func copy() -> Storage { Storage(terms: terms, outcomes: outcomes, status: status, amountOwed: amountOwed) }
    }
}
