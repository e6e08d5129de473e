/// Bytes handed from a reader thread to the async session, with a timed wait: the session asks
/// for the next chunk and gets it, `[]` when the timeout passes first, or nil once the line hung
/// up. Bounded: a flood of input beyond ``capacity`` chunks drops the oldest (it is line noise or
/// a paste nobody can read anyway).
actor ByteInbox {
    private var chunks: [[UInt8]] = []
    private var hungUp = false
    private var waiter: (id: UInt64, continuation: CheckedContinuation<[UInt8]?, Never>)?
    private var nextWaiterID: UInt64 = 0
    let capacity = 256

    func deliver(_ bytes: [UInt8]) {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: bytes)
            return
        }
        if chunks.count >= capacity { chunks.removeFirst() }
        chunks.append(bytes)
    }

    func hangUp() {
        hungUp = true
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume(returning: nil)
        }
    }

    func next(timeout: Duration) async -> [UInt8]? {
        if !chunks.isEmpty { return chunks.removeFirst() }
        if hungUp { return nil }
        nextWaiterID += 1
        let id = nextWaiterID
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.expire(id)
        }
        let result = await withCheckedContinuation { continuation in
            waiter = (id, continuation)
        }
        timer.cancel()
        return result
    }

    private func expire(_ id: UInt64) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume(returning: [])
    }
}
