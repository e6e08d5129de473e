import Dispatch

/// Runs blocking work (reading a child's pipe, waiting for it to exit) on a Dispatch thread
/// rather than on Swift concurrency's cooperative pool.
///
/// The pool has one thread per core, two on the CI machine. A test blocked on one stalls every
/// other task of the parallel run, timers included: under AddressSanitizer a 200 ms timeout was
/// once heard 7.9 s late for that reason. Dispatch's global queues grow threads as they block.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// ``offPool(_:)`` for work that cannot fail.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}
