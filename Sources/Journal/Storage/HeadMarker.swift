#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small file beside the database holding the last committed `(seq, hash)`, rewritten after
/// every commit.
///
/// Why: SQLite recovers a damaged or truncated WAL by silently dropping the transactions in it,
/// so a journal that lost acknowledged records still opens and its chain still verifies. The
/// marker is written only after the commit's fsync, without an fsync of its own, so after any
/// crash it is at or behind the database; finding it *ahead* means the database lost committed
/// records, which the journal then refuses to write on top of.
struct HeadMarker {
    let path: String

    struct Head: Equatable {
        var seq: Int64
        var hash: [UInt8]
    }

    /// 8-byte seq, 32-byte hash, 4-byte checksum of both (a torn marker reads as absent).
    private static let size = 44

    func read() -> Head? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: HeadMarker.size)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, HeadMarker.size, 0) }
        guard count == HeadMarker.size else { return nil }
        let body = Array(bytes[0..<40])
        guard Array(bytes[40..<44]) == HeadMarker.checksum(body) else { return nil }
        let seq = body[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Head(seq: Int64(bitPattern: seq), hash: Array(body[8..<40]))
    }

    func write(_ head: Head) throws(JournalError) {
        var body: [UInt8] = []
        withUnsafeBytes(of: UInt64(bitPattern: head.seq).bigEndian) { body.append(contentsOf: $0) }
        body.append(contentsOf: head.hash)
        let bytes = body + HeadMarker.checksum(body)
        let descriptor = open(path, O_WRONLY | O_CREAT, 0o600)
        guard descriptor >= 0 else { throw .storage("cannot open head marker \(path): errno \(errno)") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, bytes.count, 0) }
        guard written == bytes.count else { throw .storage("cannot write head marker \(path): errno \(errno)") }
    }

    /// FNV-1a, folded to 32 bits: detects a torn or garbled marker; not a security measure.
    private static func checksum(_ bytes: [UInt8]) -> [UInt8] {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return [UInt8(hash >> 24), UInt8(hash >> 16 & 0xFF), UInt8(hash >> 8 & 0xFF), UInt8(hash & 0xFF)]
    }
}
