import SyncProtocol
/// Alerts for venues without central: a local command run for each alert-worthy event, and the
/// bounds the health monitor checks (docs/operations.md).
public struct AlertSettings: Sendable {
    /// argv of the hook (split on spaces); empty: alerts are only journaled and logged.
    public var command: [String]
    public var diskFreeMinimumMiB: Int
    public var clockJumpSeconds: Int
    /// Refused terminal requests are summed over this window and journaled once per window.
    public var authWindowSeconds: Int
    /// A window with at least this many refusals raises `auth.failed_burst`.
    public var authFailuresPerWindow: Int

    /// Events that page someone. Everything else is only journaled.
    public static var alertCategories: Set<String> { ApplianceAlerts.categories }
}

extension AlertSettings {
    static func parse(_ reader: inout ConfigReader) throws(ConfigurationError) -> AlertSettings {
        AlertSettings(
            command: try reader.string("command", default: "").split(separator: " ").map(String.init),
            diskFreeMinimumMiB: try reader.integer("disk_free_minimum_mib", default: 256, in: 1...1_000_000),
            clockJumpSeconds: try reader.integer("clock_jump_seconds", default: 5, in: 1...86_400),
            authWindowSeconds: try reader.integer("auth_window_seconds", default: 60, in: 1...3_600),
            authFailuresPerWindow: try reader.integer("auth_failures_per_window", default: 20, in: 1...1_000_000))
    }
}
