import NIOConcurrencyHelpers

/// Waits for `work` at most `limit`; true when it finished in time. The work is not cancelled:
/// it goes on in the background and may still finish later.
///
/// The power path journals an event and checkpoints before it runs the shutdown command. Should
/// the journal hang (a failing card's fsync never returning), an unbounded wait would keep the
/// shutdown command, and the UPS's power-off request, from ever running (ARCHITECTURE.md,
/// invariant 7: every wait has a bound and a defined behaviour at it). A task group would not do: it waits for every child,
/// and a journal wait does not end on cancellation.
func finishesWithin(_ limit: Duration, _ work: @escaping @Sendable () async -> Void) async -> Bool {
    let answered = NIOLockedValueBox(false)
    return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
        @Sendable func answer(_ finished: Bool) {
            let first = answered.withLockedValue { answered in
                defer { answered = true }
                return !answered
            }
            if first { continuation.resume(returning: finished) }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            answer(false)
        }
        Task {
            await work()
            timer.cancel()
            answer(true)
        }
    }
}
