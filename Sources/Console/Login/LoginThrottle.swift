/// Lockout after repeated failed logins, growing with each further failure: after
/// `allowedFailures` in a row, the console refuses to check anything for `baseDelay`, then twice
/// that after the next failure, and so on up to `maximumDelay`. A success resets it. Pure, with
/// the time passed in, so tests run a lockout without waiting for it.
///
/// The lockout is also what bounds the journal: attempts during a lockout are not checked and
/// not journaled, so line noise cannot write more than one failure per lockout period.
public struct LoginThrottle: Sendable {
    public let allowedFailures: Int
    public let baseDelayMillis: Int64
    public let maximumDelayMillis: Int64
    public private(set) var consecutiveFailures = 0
    public private(set) var lockedUntilMillis: Int64?

    public init(allowedFailures: Int = 3, baseDelayMillis: Int64 = 30_000, maximumDelayMillis: Int64 = 900_000) {
        precondition(allowedFailures >= 1 && baseDelayMillis > 0 && maximumDelayMillis >= baseDelayMillis)
        self.allowedFailures = allowedFailures
        self.baseDelayMillis = baseDelayMillis
        self.maximumDelayMillis = maximumDelayMillis
    }

    /// Milliseconds until a login may be tried again, or nil when it may be tried now.
    public func remainingLockout(atMillis now: Int64) -> Int64? {
        guard let until = lockedUntilMillis, now < until else { return nil }
        return until - now
    }

    /// Records a failure; returns the lockout it starts, if any.
    public mutating func failed(atMillis now: Int64) -> Int64? {
        consecutiveFailures += 1
        let beyond = consecutiveFailures - allowedFailures
        guard beyond >= 0 else { return nil }
        let delay = min(maximumDelayMillis, baseDelayMillis << min(beyond, 20))
        lockedUntilMillis = now + delay
        return delay
    }

    public mutating func succeeded() {
        consecutiveFailures = 0
        lockedUntilMillis = nil
    }
}
