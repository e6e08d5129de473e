import NIOConcurrencyHelpers

/// Lets a reader wait for the next commit instead of polling, so the uplink can hand a bet to
/// central within milliseconds of its acknowledgement.
public final class CommitWatch: Sendable {
    /// One wait, from its id being taken until it is resumed; removed then, whichever of the
    /// commit, the cancellation or the registration comes first, so nothing is left behind.
    private enum Slot {
        /// Taken, the continuation not yet registered.
        case pending
        case waiting(CheckedContinuation<Void, Never>)
        /// Cancelled before its continuation was registered: registering resumes at once.
        case cancelled
    }

    private struct State {
        var head: Int64
        var slots: [Int: Slot] = [:]
        var nextID = 0
    }

    private let state: NIOLockedValueBox<State>

    init(head: Int64) {
        state = NIOLockedValueBox(State(head: head))
    }

    /// The last committed record's seq.
    public var head: Int64 { state.withLockedValue { $0.head } }

    /// Waits in progress, for tests: every wait removes its slot when it returns.
    var slotCount: Int { state.withLockedValue { $0.slots.count } }

    func advance(to head: Int64) {
        let ready = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            guard head > state.head else { return [] }
            state.head = head
            var ready: [CheckedContinuation<Void, Never>] = []
            for (id, slot) in state.slots {
                guard case .waiting(let continuation) = slot else { continue }
                ready.append(continuation)
                state.slots[id] = nil
            }
            return ready
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
            state.slots[state.nextID] = .pending
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // The slot is pending or, when the cancellation came first, cancelled.
                let resumeNow = state.withLockedValue { state in
                    if case .pending = state.slots[id], state.head <= seq {
                        state.slots[id] = .waiting(continuation)
                        return false
                    }
                    state.slots[id] = nil
                    return true
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                switch state.slots[id] {
                case .waiting(let continuation):
                    state.slots[id] = nil
                    return continuation
                case .pending:
                    state.slots[id] = .cancelled
                    return nil
                case .cancelled, nil: // already resumed by a commit
                    return nil
                }
            }
            waiter?.resume()
        }
    }
}
