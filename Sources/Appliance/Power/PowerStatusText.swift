import Foundation

/// Human-readable power status, within 80 columns.
public enum PowerStatusText {
    public static func screen(_ status: PowerStatus, nowMillis: Int64) -> String {
        var lines: [String] = []
        if let drill = status.drill { lines.append(field("DRILL", "\(drill): made-up readings; `drill end` restores")) }
        lines.append(field("source", status.source + (status.sourceStale.map { "   STALE: \($0)" } ?? "")))
        let held = max(0, nowMillis - status.stateSinceMillis) / 1_000
        lines.append(field("state", "\(status.state) since \(clockTime(status.stateSinceMillis)) (\(held) s)"))
        if let reason = status.shutdownReason { lines.append(field("because", reason)) }
        lines.append(field("mains", mains(status.acPresent)))
        lines.append(field("battery", "low \(yesNo(status.batteryLow))   charge \(status.chargePercent.map { "\($0) %" } ?? "-")"
                           + "   runtime \(status.runtimeSeconds.map { "\($0) s" } ?? "-")   FSD \(status.forcedShutdown ? "yes" : "no")"))
        lines.append(field("intake", status.intakeOpen ? "open" : "closed"))
        lines.append(field("shutdown cmd", status.shutdownCommandRuns == 0 ? "not run" : "ran \(status.shutdownCommandRuns)x"))
        lines.append(field("last event", status.lastEventMillis.map(clockTime) ?? "none yet"))
        return lines.joined(separator: "\n")
    }

    /// One line per change, for `watch`.
    public static func line(_ status: PowerStatus, atMillis: Int64) -> String {
        var text = "\(clockTime(atMillis))  \(status.state.padding(toLength: 13, withPad: " ", startingAt: 0))"
            + " mains=\(mains(status.acPresent)) low=\(yesNo(status.batteryLow))"
            + " charge=\(status.chargePercent.map(String.init) ?? "-") runtime=\(status.runtimeSeconds.map(String.init) ?? "-")"
            + " intake=\(status.intakeOpen ? "open" : "closed")"
        if status.forcedShutdown { text += " FSD" }
        if let stale = status.sourceStale { text += " STALE(\(stale))" }
        if let drill = status.drill { text += " DRILL(\(drill))" }
        return text
    }

    private static func field(_ name: String, _ value: String) -> String {
        name.padding(toLength: 13, withPad: " ", startingAt: 0) + value
    }

    private static func mains(_ present: Bool?) -> String {
        present.map { $0 ? "present" : "lost" } ?? "unknown"
    }

    private static func yesNo(_ value: Bool?) -> String {
        value.map { $0 ? "yes" : "no" } ?? "-"
    }

    /// `HH:mm:ss.SSS` in UTC, whatever the appliance's time zone: callers label it UTC.
    public static func clockTime(_ millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "HH:mm:ss.SSS"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1_000))
    }
}
