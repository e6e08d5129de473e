import Foundation

/// Runs blocking work (reading a child's pipe, a socket's poll) on a thread of its own, made for
/// the call, rather than on a thread Swift concurrency runs tasks on.
///
/// On Linux those are Dispatch's global queues' workers, a few per core: a test blocked on one
/// stalls every other task of the parallel run, timers included (under AddressSanitizer a 200 ms
/// timeout was once heard 7.9 s late), and a Dispatch queue is no way out, since it hands the work
/// to the same workers.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// ``offPool(_:)`` for work that cannot fail.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: body()) }
    }
}
