import Crypto

/// The chain's hash function, written down exactly because central recomputes it
/// (docs/journal.md, "Chain"):
///
///     hash = SHA-256( previous_hash (32 bytes)
///                   || seq (8 bytes, big-endian) || wall_ms (8, BE) || mono_ns (8, BE)
///                   || len(kind) (4, BE) || kind (UTF-8)
///                   || len(payload) (4, BE) || payload )
///
/// The first record's previous hash is 32 zero bytes.
public enum ChainHash {
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public static func compute(previousHash: [UInt8], seq: Int64, wallMillis: Int64, monotonicNanos: Int64,
                               kind: String, payload: [UInt8]) -> [UInt8] {
        precondition(previousHash.count == 32, "a previous hash is 32 bytes")
        var hasher = SHA256()
        hasher.update(data: previousHash)
        var header: [UInt8] = []
        header.reserveCapacity(28)
        appendBigEndian(UInt64(bitPattern: seq), to: &header)
        appendBigEndian(UInt64(bitPattern: wallMillis), to: &header)
        appendBigEndian(UInt64(bitPattern: monotonicNanos), to: &header)
        let kindBytes = Array(kind.utf8)
        appendBigEndian(UInt32(kindBytes.count), to: &header)
        hasher.update(data: header)
        hasher.update(data: kindBytes)
        var length: [UInt8] = []
        appendBigEndian(UInt32(payload.count), to: &length)
        hasher.update(data: length)
        hasher.update(data: payload)
        return Array(hasher.finalize())
    }

    public static func compute(for record: JournalRecord) -> [UInt8] {
        compute(previousHash: record.previousHash, seq: record.seq, wallMillis: record.wallMillis,
                monotonicNanos: record.monotonicNanos, kind: record.kind, payload: record.payload)
    }

    private static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
