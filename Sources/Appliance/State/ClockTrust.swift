import Foundation
import NIOConcurrencyHelpers

/// Whether this appliance's wall clock may time offline bets (issue 24, hole 3).
///
/// While it runs, every offline limit is measured on the monotonic clock. But a bet's
/// `placedAtMillis` is a wall time, and central judges the bet against its board at that time.
/// So the wall clock is trusted for offline bets only while nothing says it is wrong:
/// - at start, it must not read earlier than the latest time this appliance wrote down (its
///   journal's head, central's last contact): a board without a battery-backed clock, or with
///   a flat battery, comes up with an old time;
/// - central's last answer must put it within ``toleranceMillis`` of central's clock;
/// - it must read within that of central's time as last heard: central's clock at its last
///   answer, carried on the monotonic clock (two steps of 8 s, one either side of an answer,
///   leave it 16 s off, not 8; a technician's confirm does not reset what central measured);
/// - since it was last trusted, it must not have moved against the monotonic clock by more
///   than that (an NTP answer spoofed on the LAN, a technician's `date`).
/// It is trusted again when central answers within the tolerance, or when a technician confirms
/// it against a reference at the console.
public final class ClockTrust: Sendable {
    public enum Standing: Sendable, Hashable {
        case trusted
        /// The clock read `readingMillis` at start, earlier than `lastKnownMillis`.
        case unsure(readingMillis: Int64, lastKnownMillis: Int64)
        /// Central's last answer put this clock `driftMillis` off its own.
        case offCentral(driftMillis: Int64)
    }

    /// The freshness bound's default: the past-posting window the venue already accepts.
    public static let toleranceMillis: Int64 = 10_000

    private struct State {
        var standing: Standing
        /// Wall minus monotonic milliseconds when the clock was last trusted.
        var anchorMillis: Int64?
        /// Central's clock minus monotonic milliseconds at its last answer this run: central's
        /// time carried on the monotonic clock, which no step of the wall clock moves.
        var centralOffsetMillis: Int64?
        /// Trusted last on central's word, not a technician's: what a verdict entered by hand
        /// needs (a technician must not vouch for the clock that times their own decision).
        var vouchedByCentral = false
    }

    private let state: NIOLockedValueBox<State>
    /// While unsure, the time the clock must reach, kept across restarts: the records journaled
    /// meanwhile carry the wrong clock's times, so the journal's head no longer remembers it.
    private let file: ReplacedFile?

    /// `lastKnownMillis`: the latest wall time this appliance wrote down before the start (its
    /// journal's head, central's last contact); `file` keeps it while the clock is unsure.
    public init(wallNowMillis: Int64, monotonicNanos: Int64, lastKnownMillis: Int64?, file path: String? = nil) {
        file = path.map(ReplacedFile.init(path:))
        let kept = file?.read().flatMap { Int64(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let lastKnown = [lastKnownMillis, kept].compactMap({ $0 }).max(), wallNowMillis < lastKnown {
            state = NIOLockedValueBox(State(standing: .unsure(readingMillis: wallNowMillis, lastKnownMillis: lastKnown)))
            try? file?.replace(with: Data("\(lastKnown)\n".utf8))
        } else {
            state = NIOLockedValueBox(State(standing: .trusted, anchorMillis: wallNowMillis - monotonicNanos / 1_000_000))
            if kept != nil, let path { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    public var current: Standing { state.withLockedValue { $0.standing } }

    /// Trusted, and last settled by central's answer since this start (not by `clock confirm`).
    public var vouchedByCentral: Bool { state.withLockedValue { $0.standing == .trusted && $0.vouchedByCentral } }

    /// The latest time this appliance wrote down, while the clock reads earlier than it.
    public var mustReachMillis: Int64? {
        if case .unsure(_, let lastKnown) = current { return lastKnown }
        return nil
    }

    /// Why the wall clock may not time an offline bet at this moment, or nil when it may.
    public func distrust(wallMillis: Int64, monotonicNanos: Int64) -> String? {
        let state = state.withLockedValue { $0 }
        switch state.standing {
        case .unsure(let reading, let lastKnown):
            return "this appliance's clock read \(PowerStatusText.clockTime(reading)) UTC at start, before its last written time "
                + "(\(PowerStatusText.clockTime(lastKnown)) UTC)"
        case .offCentral(let drift):
            return "central's last answer put this appliance's clock \(drift / 1_000) s off its own"
        case .trusted:
            // Central's time as last heard outranks any anchor: drift and later steps add up,
            // and a technician's confirm cannot reset what central measured.
            if let offset = state.centralOffsetMillis {
                let off = wallMillis - (offset + monotonicNanos / 1_000_000)
                if abs(off) > Self.toleranceMillis {
                    return "the wall clock reads \(off / 1_000) s off central's time as last heard (its last answer, carried on the monotonic clock)"
                }
            }
            guard let anchor = state.anchorMillis else { return nil }
            let moved = wallMillis - monotonicNanos / 1_000_000 - anchor
            guard abs(moved) > Self.toleranceMillis else { return nil }
            return "the wall clock has moved \(moved / 1_000) s against the monotonic clock since it was last trusted"
        }
    }

    /// Central's time now as this appliance last heard it, carried on the monotonic clock; nil
    /// before central's first answer this run. A stepped wall clock does not move it, so checks
    /// that must not run late (an event's start) can take the later of the two.
    public func centralNowMillis(monotonicNanos: Int64) -> Int64? {
        state.withLockedValue { $0.centralOffsetMillis }.map { $0 + monotonicNanos / 1_000_000 }
    }

    /// Central answered with this clock `driftMillis` off its own. Within the tolerance the clock
    /// is trusted from here (re-anchored); beyond it, it is not. Answers whether the standing
    /// changed, so the caller can log and journal it once.
    @discardableResult
    public func centralAnswered(driftMillis: Int64, wallMillis: Int64, monotonicNanos: Int64) -> Bool {
        state.withLockedValue { $0.centralOffsetMillis = wallMillis - driftMillis - monotonicNanos / 1_000_000 }
        guard abs(driftMillis) <= Self.toleranceMillis else {
            return state.withLockedValue { state in
                defer { state.standing = .offCentral(driftMillis: driftMillis) }
                return state.standing == .trusted
            }
        }
        return settle(wallMillis: wallMillis, monotonicNanos: monotonicNanos, byCentral: true)
    }

    /// Central answered within the tolerance, or a technician confirmed the clock: trusted from
    /// here (central's time as last heard still bounds it). Answers whether it was not trusted
    /// until now.
    @discardableResult
    public func settle(wallMillis: Int64, monotonicNanos: Int64, byCentral: Bool = false) -> Bool {
        let wasDistrusted = state.withLockedValue { state in
            defer {
                state = State(standing: .trusted, anchorMillis: wallMillis - monotonicNanos / 1_000_000,
                              centralOffsetMillis: state.centralOffsetMillis, vouchedByCentral: byCentral)
            }
            return state.standing != .trusted
        }
        if wasDistrusted, let file { try? FileManager.default.removeItem(atPath: file.path) }
        return wasDistrusted
    }
}
