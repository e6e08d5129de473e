/// Scheduled online backups of the journal to a second medium (docs/disaster-recovery.md).
public struct BackupSettings: Sendable {
    /// Where backups go (a USB stick's mount point); nil: no backups.
    public var directory: String?
    /// Hours between scheduled backups; 0: only `backup now` at the console.
    public var everyHours: Int
    /// Backups kept; older ones are removed after a new one verifies.
    public var keep: Int
}

extension BackupSettings {
    static func parse(_ reader: inout ConfigReader, relativeTo directory: String) throws(ConfigurationError) -> BackupSettings {
        BackupSettings(
            directory: try reader.optionalString("directory").map { ApplianceConfiguration.resolve($0, against: directory) },
            everyHours: try reader.integer("every_hours", default: 24, in: 0...720),
            keep: try reader.integer("keep", default: 7, in: 1...1_000))
    }
}
