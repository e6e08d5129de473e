import Appliance
import Foundation

/// `clock`: the wall clock as the appliance reads it, whether offline bets may be timed with it,
/// and the technician's confirmation after a start with a clock earlier than the journal's.
///
/// The daemon never sets the system clock: its unit runs with ProtectClock=yes and no
/// capabilities, because the wall clock is what central judges offline bets by, and a daemon that
/// could move it could move every bet's time. The technician sets the clock with the operating
/// system (timedatectl, as root) and confirms it here against a reference they trust; the
/// confirmation is checked, not taken on faith, and journaled.
extension ConsoleCommands {
    /// How far the clock may be from the technician's reference.
    static let clockConfirmTolerance = ClockTrust.toleranceMillis

    func clock(_ arguments: [String]) async -> String {
        let now = context.clock.wallMillis()
        switch arguments.first {
        case nil:
            let why = context.service.clockTrust.distrust(wallMillis: now, monotonicNanos: context.clock.monotonicNanos())
            let standing = why.map { "UNSURE: \($0); offline bets are refused until central answers or `clock confirm`" } ?? "trusted"
            // Not field(), which cuts at 80 columns: the session wraps long lines.
            return field("clock", PowerStatusText.clockTime(now) + " UTC") + "\n" + "standing".padding(toLength: 13, withPad: " ", startingAt: 0) + standing
        case "confirm" where arguments.count == 2:
            guard let reference = ISO8601DateFormatter().date(from: arguments[1]) else {
                return "'\(String(arguments[1].prefix(40)))' is not a UTC time like 2026-12-07T14:05:00Z: nothing was changed"
            }
            let referenceMillis = Int64((reference.timeIntervalSince1970 * 1_000).rounded())
            if let mustReach = context.service.clockTrust.mustReachMillis, referenceMillis < mustReach {
                // The journal cannot have been written in the future by a right clock: a time
                // before its last record is the wrong one, and only central can say otherwise.
                return """
                    the time you gave is before this appliance's last written time (\(PowerStatusText.clockTime(mustReach)) UTC): \
                    it is not confirmed. Check the reference; if the clock was ahead before, only central's answer can settle it
                    """
            }
            let monotonic = context.clock.monotonicNanos()
            if let central = context.service.clockTrust.centralNowMillis(monotonicNanos: monotonic),
               abs(referenceMillis - central) > ClockTrust.toleranceMillis {
                // Central measured this clock since the start: a reference that disagrees with
                // it by more than the tolerance is the wrong one, whoever gives it.
                return """
                    the time you gave is \(Self.seconds(referenceMillis - central)) from central's time as last heard \
                    (\(PowerStatusText.clockTime(central)) UTC): it is not confirmed. Check the reference, or let central's next answer settle it
                    """
            }
            let off = now - referenceMillis
            guard abs(off) <= Self.clockConfirmTolerance else {
                return """
                    the clock reads \(PowerStatusText.clockTime(now)) UTC, \(Self.seconds(off)) from the time you gave; \
                    it is not confirmed. Set the system clock first (as root: timedatectl set-time 'YYYY-MM-DD HH:MM:SS'), \
                    then confirm again within \(Self.clockConfirmTolerance / 1_000) s
                    """
            }
            let wasUnsure = context.service.clockTrust.settle(wallMillis: now, monotonicNanos: monotonic)
            await context.record("clock.confirmed", "the clock, \(PowerStatusText.clockTime(now)) UTC, confirmed against a reference "
                                 + "\(Self.seconds(off)) away\(wasUnsure ? "; offline bets may be timed again" : "")")
            return wasUnsure ? "clock confirmed (\(Self.seconds(off)) from your reference): offline bets may be timed again"
                : "clock confirmed (\(Self.seconds(off)) from your reference); it was already trusted"
        default:
            return "usage: clock [confirm <UTC time, e.g. 2026-12-07T14:05:00Z>]"
        }
    }
}
