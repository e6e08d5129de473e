/// The significant events that are alerts: raised on the appliance through its local hook, and
/// raised again at central when the event's record arrives (so a venue's alerts reach the operator
/// even when they happened offline). One list, so the two never disagree.
public enum ApplianceAlerts {
    public static let categories: Set<String> = [
        "power.on_battery_alert", "power.shutting_down", "power.shutdown_command", "power.source_stale",
        "integrity.failed", "backup.failed", "console.locked", "disk.low", "clock.jumped", "clock.drift", "clock.unsure", "clock.confirmed",
        "uplink.offline", "uplink.refused", "journal.cannot_write", "auth.failed_burst", "verdict.unapplied",
        "verdict.void_after_payout", "verdict.manual", "inplay.undecided",
    ]
}
