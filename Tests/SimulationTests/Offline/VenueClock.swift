import Journal
import NIOConcurrencyHelpers

/// True time, and the appliance's two clocks on it. Its wall clock is true time plus an error the
/// adversary sets (a step while running, a wrong clock at boot); its monotonic clock is true time
/// since the boot, from an origin of the boot's own. Central's clock is true time. Time moves only
/// when the simulation says, so a seed replays the same run.
final class VenueClock: JournalClock, Sendable {
    private struct State {
        var trueMillis: Int64
        var wallErrorMillis: Int64 = 0
        var bootTrueMillis: Int64
        var bootOriginNanos: Int64
    }

    static let startMillis: Int64 = 1_795_867_200_000
    private let state = NIOLockedValueBox(State(trueMillis: startMillis, bootTrueMillis: startMillis, bootOriginNanos: 7_000_000_000))

    /// Central's clock, and the one the checker measures every limit against.
    var trueMillis: Int64 { state.withLockedValue { $0.trueMillis } }
    /// How far the appliance's wall clock reads ahead of true time (negative: behind).
    var wallErrorMillis: Int64 { state.withLockedValue { $0.wallErrorMillis } }

    func wallMillis() -> Int64 { state.withLockedValue { $0.trueMillis + $0.wallErrorMillis } }

    func monotonicNanos() -> Int64 {
        state.withLockedValue { ($0.trueMillis - $0.bootTrueMillis) * 1_000_000 + $0.bootOriginNanos }
    }

    func advance(millis: Int64) {
        precondition(millis >= 0, "true time does not go back")
        state.withLockedValue { $0.trueMillis += millis }
    }

    /// NTP or a technician's `date`: the wall clock jumps, the monotonic one does not.
    func stepWall(byMillis step: Int64) {
        state.withLockedValue { $0.wallErrorMillis += step }
    }

    /// A boot: the monotonic clock starts again from `originNanos`; the wall clock comes up with
    /// `wallErrorMillis` (a board without a battery-backed clock comes up far behind).
    func boot(wallErrorMillis: Int64, originNanos: Int64) {
        state.withLockedValue { state in
            state.wallErrorMillis = wallErrorMillis
            state.bootTrueMillis = state.trueMillis
            state.bootOriginNanos = originNanos
        }
    }
}
