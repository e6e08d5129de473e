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

    /// Waits until there are more than `count` events (or the timeout); returns the next one.
    func next(after count: Int, timeout: Duration = .seconds(5)) async throws -> (event: PowerSourceEvent, nanos: Int64) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let arrival = arrivals.list.withLockedValue({ $0.count > count ? $0[count] : nil }) { return arrival }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw HarnessFailure("no power event within \(timeout) (had \(count))")
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
