/// Follows a chain record by record, from genesis or from a trusted point, and names the first
/// break: the one check both the appliance's verifier and central's run over their copies.
public struct ChainWalker: Sendable {
    public enum Break: Hashable, Sendable {
        /// A record is missing: `found` came where `expected` should have.
        case missing(expected: Int64, found: Int64)
        /// The record does not continue the chain: the one before it was altered, removed or swapped.
        case previousHashMismatch(seq: Int64)
        /// The record's stored hash is not the hash of its contents: it was altered.
        case hashMismatch(seq: Int64)
    }

    /// The seq the next record must have.
    public private(set) var nextSeq: Int64
    /// The hash the next record must name as its previous hash.
    public private(set) var headHash: [UInt8]
    public private(set) var recordsChecked: Int64 = 0

    public init(after head: SyncHead = .empty) {
        nextSeq = head.seq + 1
        headHash = head.hash
    }

    public var head: SyncHead { SyncHead(seq: nextSeq - 1, hash: headHash) }

    /// Checks `record` and, when it is sound, moves past it.
    public mutating func step(_ record: JournalRecord) -> Break? {
        guard record.seq == nextSeq else { return .missing(expected: nextSeq, found: record.seq) }
        guard record.previousHash == headHash else { return .previousHashMismatch(seq: record.seq) }
        guard record.isIntact else { return .hashMismatch(seq: record.seq) }
        headHash = record.hash
        nextSeq += 1
        recordsChecked += 1
        return nil
    }
}
