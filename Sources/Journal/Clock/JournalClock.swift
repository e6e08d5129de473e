#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the journal reads time. Injected so tests and the simulator can drive it.
public protocol JournalClock: Sendable {
    /// Wall-clock time, milliseconds since the Unix epoch. May jump (NTP, a technician).
    func wallMillis() -> Int64
    /// Monotonic time since boot, nanoseconds. Never goes back within one boot.
    func monotonicNanos() -> Int64
}

/// The machine's clocks: CLOCK_REALTIME and CLOCK_MONOTONIC.
public struct SystemClock: JournalClock {
    public init() {}

    public func wallMillis() -> Int64 {
        let time = read(CLOCK_REALTIME)
        return Int64(time.tv_sec) * 1_000 + Int64(time.tv_nsec) / 1_000_000
    }

    public func monotonicNanos() -> Int64 {
        let time = read(CLOCK_MONOTONIC)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    private func read(_ clock: clockid_t) -> timespec {
        var time = timespec()
        clock_gettime(clock, &time)
        return time
    }
}
