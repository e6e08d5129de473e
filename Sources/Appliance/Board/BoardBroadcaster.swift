import NIOConcurrencyHelpers

/// Fans board changes out to live subscribers (the API's event stream). Bounded twice: at most
/// `maxSubscribers` at once, and each keeps only its newest few updates, so a slow kiosk drops
/// stale boards instead of growing memory.
public final class BoardBroadcaster<Update: Sendable>: Sendable {
    private struct State {
        var next = 0
        var subscribers: [Int: AsyncStream<Update>.Continuation] = [:]
    }

    private let state = NIOLockedValueBox(State())
    private let maxSubscribers: Int
    private let bufferedUpdates: Int

    public init(maxSubscribers: Int, bufferedUpdates: Int = 4) {
        self.maxSubscribers = maxSubscribers
        self.bufferedUpdates = bufferedUpdates
    }

    /// A stream of updates, or nil when `maxSubscribers` are already listening.
    public func subscribe() -> AsyncStream<Update>? {
        let (stream, continuation) = AsyncStream<Update>.makeStream(bufferingPolicy: .bufferingNewest(bufferedUpdates))
        let id: Int? = state.withLockedValue { state in
            guard state.subscribers.count < maxSubscribers else { return nil }
            state.next += 1
            state.subscribers[state.next] = continuation
            return state.next
        }
        guard let id else { return nil }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    public func publish(_ update: Update) {
        let subscribers = state.withLockedValue { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(update) }
    }

    /// Ends every stream (at shutdown).
    public func finish() {
        let subscribers = state.withLockedValue { state in
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
