import Foundation

extension JournalMaintenance {
    public enum RestoreError: Error, CustomStringConvertible {
        case backupInvalid(String)
        case destinationInUse(String)
        case cannotCopy(String)

        public var description: String {
            switch self {
            case .backupInvalid(let reason): "the backup does not verify: \(reason)"
            case .destinationInUse(let path): "\(path) already holds a journal: move it aside (never over it) and run the restore again"
            case .cannotCopy(let reason): "the backup cannot be copied: \(reason)"
            }
        }
    }

    /// Puts a backup (a directory `JournalBackup` wrote) in place as an appliance's data
    /// directory, verifying the backup in full before and the result after. The journal then
    /// continues from the backup's last record; records written after the backup was taken are
    /// only where central holds them (docs/disaster-recovery.md).
    public static func restore(from backup: String, into dataDirectory: String) throws(RestoreError) -> Verified {
        do {
            switch try verify(directory: backup, full: true) {
            case .failure(let failure): throw RestoreError.backupInvalid("\(failure)")
            case .success: break
            }
        } catch let error as RestoreError { throw error } catch { throw .backupInvalid("\(error)") }
        let files = FileManager.default
        if files.fileExists(atPath: JournalFiles.database.in(dataDirectory)) { throw .destinationInUse(dataDirectory) }
        do {
            try files.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            for file in JournalFiles.backedUp {
                try files.copyItem(atPath: file.in(backup), toPath: file.in(dataDirectory))
                JournalBackup.sync(file.in(dataDirectory))
            }
            try files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: JournalFiles.ticketKey.in(dataDirectory))
            JournalBackup.sync(dataDirectory)
        } catch { throw .cannotCopy("\(error)") }
        do {
            switch try verify(directory: dataDirectory, full: true) {
            case .failure(let failure): throw RestoreError.backupInvalid("after copying: \(failure)")
            case .success(let verified): return verified
            }
        } catch let error as RestoreError { throw error } catch { throw .backupInvalid("\(error)") }
    }
}
