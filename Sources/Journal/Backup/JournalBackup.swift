import Foundation
import GRDB
import Glibc

/// Online backups of the journal with SQLite's backup API, for a second medium (a USB stick):
/// each backup is a directory `holdfast-<code>-<UTC time>-seq<N>` holding the journal, the head
/// marker for exactly what was copied, and the ticket key (without which security codes cannot be
/// checked). It is written under a `.partial` name, verified in full (chain, head, derived
/// state), synced, and only then renamed into place; the oldest beyond `keep` are removed.
public struct BackupReport: Sendable, Hashable {
    public var path: String
    public var headSeq: Int64
    public var bytes: Int64
    public var removed: [String]
}

public enum BackupError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    case verificationFailed(path: String, reason: String)
    case alreadyRunning

    public var description: String {
        switch self {
        case .alreadyRunning: "another backup is running; this one was not started (try again when it has finished)"
        case .cannotWrite(let path, let reason): "the backup cannot be written to \(path): \(reason)"
        case .verificationFailed(let path, let reason): "the backup at \(path) does not verify (\(reason)); it was removed"
        }
    }
}

extension BetJournal {
    /// Backs up the live journal into `root`, keeping the newest `keep` backups. `progress`
    /// receives the fraction copied. Runs beside the writer: SQLite copies a consistent snapshot.
    public func backup(into root: String, keep: Int, nowMillis: Int64,
                       progress: (@Sendable (Double) -> Void)? = nil) async throws(BackupError) -> BackupReport {
        precondition(keep >= 1, "at least one backup is kept")
        let pool = self.pool
        let configuration = self.configuration
        let result = await Task.detached { () -> Result<BackupReport, BackupError> in
            do {
                return .success(try JournalBackup.write(from: pool, configuration: configuration, into: root, keep: keep,
                                                        nowMillis: nowMillis, progress: progress))
            } catch let error as BackupError {
                return .failure(error)
            } catch {
                return .failure(.cannotWrite(path: root, reason: "\(error)"))
            }
        }.value
        return try result.get()
    }
}

enum JournalBackup {
    static func write(from pool: DatabasePool, configuration: JournalConfiguration, into root: String, keep: Int, nowMillis: Int64,
                      progress: (@Sendable (Double) -> Void)?) throws -> BackupReport {
        let files = FileManager.default
        do { try files.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) } catch {
            throw BackupError.cannotWrite(path: root, reason: "\(error)")
        }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let stamp = formatter.string(from: Date(timeIntervalSince1970: Double(nowMillis) / 1_000))
        let prefix = "holdfast-\(configuration.applianceCode.rawValue)-"
        let partial = "\(root)/\(prefix)\(stamp).partial"
        try? files.removeItem(atPath: partial)
        try files.createDirectory(atPath: partial, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])

        let copy = try DatabaseQueue(path: JournalFiles.database.in(partial))
        try pool.backup(to: copy, pagesPerStep: 256) { step in
            guard step.totalPageCount > 0 else { return }
            progress?(Double(step.totalPageCount - step.remainingPageCount) / Double(step.totalPageCount))
        }
        let head = try copy.read { db in try Row.fetchOne(db, sql: "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1") }
        try copy.close()
        let headSeq: Int64 = head?["seq"] ?? 0
        let headHash: [UInt8] = (head?["hash"] as Data?).map { Array($0) } ?? []
        try HeadMarker(path: JournalFiles.headMarker.in(partial)).write(HeadMarker.Head(seq: headSeq, hash: headHash))
        try files.copyItem(atPath: configuration.ticketKeyPath, toPath: JournalFiles.ticketKey.in(partial))
        for file in JournalFiles.backedUp { sync(file.in(partial)) }

        switch try JournalMaintenance.verify(directory: partial, full: true) {
        case .success: break
        case .failure(let failure):
            try? files.removeItem(atPath: partial)
            throw BackupError.verificationFailed(path: partial, reason: "\(failure)")
        }
        // The verifier's read-only open leaves -wal/-shm files; the backup is the database alone.
        for leftover in ["journal.sqlite-wal", "journal.sqlite-shm"] { try? files.removeItem(atPath: partial + "/" + leftover) }
        let final = "\(root)/\(prefix)\(stamp)-seq\(headSeq)"
        try? files.removeItem(atPath: final)
        try files.moveItem(atPath: partial, toPath: final)
        sync(root)

        let names = ((try? files.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasPrefix(prefix) }
        // A `.partial` left beside this one is a backup a power cut or a pulled stick stopped
        // half way (backups run one at a time): it never verified, so it goes.
        let abandoned = names.filter { $0.hasSuffix(".partial") }
        let removed = Array(names.filter { !$0.hasSuffix(".partial") }.sorted().dropLast(keep)) + abandoned.sorted()
        for name in removed { try? files.removeItem(atPath: root + "/" + name) }
        let bytes = ((try? files.attributesOfItem(atPath: JournalFiles.database.in(final)))?[.size] as? NSNumber)?.int64Value ?? 0
        return BackupReport(path: final, headSeq: headSeq, bytes: bytes, removed: removed)
    }

    /// fsync(2) a file or directory, so a backup on a stick survives the stick being pulled.
    static func sync(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}
