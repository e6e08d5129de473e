import Glibc
import NIOConcurrencyHelpers
import Power

/// Consumes a power source's events, stamping each with the monotonic time it arrived.
final class EventRecorder: Sendable {
    private final class Arrivals: Sendable {
        let list = NIOLockedValueBox<[(event: PowerSourceEvent, nanos: Int64)]>([])
    }

    private let arrivals = Arrivals()
    private let consumer: Task<Void, Never>

    init(_ source: any PowerSource) {
        let box = arrivals
        consumer = Task {
            for await event in source.events() {
                let now = monotonicNanos()
                box.list.withLockedValue { $0.append((event, now)) }
            }
        }
    }

    var count: Int { arrivals.list.withLockedValue { $0.count } }

    /// The events from index `start` on.
    func events(from start: Int) -> [(event: PowerSourceEvent, nanos: Int64)] {
        arrivals.list.withLockedValue { Array($0[min(start, $0.count)...]) }
    }

    /// Waits until there are more than `count` events (or the timeout); returns the next one. The
    /// timeout is a hang guard: an event comes within milliseconds, tens of them under qemu's TCG
    /// on a busy host; 60 s tells one that never comes from a VM the host starved of a core.
    func next(after count: Int, timeout: Duration = .seconds(60)) async throws -> (event: PowerSourceEvent, nanos: Int64) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let arrival = arrivals.list.withLockedValue({ $0.count > count ? $0[count] : nil }) { return arrival }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw HarnessFailure("no power event within \(timeout) (had \(count))")
    }

    /// Waits until the last event reports mains present and none has come for `quiet`: the line
    /// settled and reported, nothing left in flight. A hang guard bounds it, as in ``next(after:timeout:)``.
    func waitUntilQuietOnMains(quiet: Duration = .seconds(1), timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var (seen, since) = (-1, ContinuousClock.now)
        while ContinuousClock.now < deadline {
            let (count, last) = arrivals.list.withLockedValue { ($0.count, $0.last?.event) }
            if count != seen { (seen, since) = (count, ContinuousClock.now) }
            if case .observed(let observation)? = last, observation.acPresent == true, ContinuousClock.now - since >= quiet { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HarnessFailure("mains did not settle as reported within \(timeout) (had \(seen) events)")
    }

    func stop() async {
        consumer.cancel()
        await consumer.value
    }
}

func monotonicNanos() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

extension Report.Event {
    init(_ event: PowerSourceEvent) {
        switch event {
        case .observed(let observation): self.init(ac: observation.acPresent, low: observation.batteryLow, stale: nil)
        case .stale(let reason): self.init(ac: nil, low: nil, stale: reason)
        }
    }
}
