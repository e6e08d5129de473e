import NIOConcurrencyHelpers

/// Lets a reader wait for the next commit instead of polling, so the uplink can hand a bet to
/// central within milliseconds of its acknowledgement.
public final class CommitWatch: Sendable {
    private struct State {
        var head: Int64
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waits cancelled before their continuation was registered.
        var cancelledEarly: Set<Int> = []
        var nextID = 0
    }

    private let state: NIOLockedValueBox<State>

    init(head: Int64) {
        state = NIOLockedValueBox(State(head: head))
    }

    /// The last committed record's seq.
    public var head: Int64 { state.withLockedValue { $0.head } }

    func advance(to head: Int64) {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard head > state.head else { return [] }
            state.head = head
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once a record after `seq` is committed, or after `timeout`.
    public func wait(beyond seq: Int64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(beyond: seq) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func wait(beyond seq: Int64) async {
        let id = state.withLockedValue { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { state in
                    if state.head > seq || state.cancelledEarly.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelledEarly.insert(id)
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter
            }
            waiter?.resume()
        }
    }
}
