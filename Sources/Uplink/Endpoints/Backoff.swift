/// Exponential backoff with jitter: the n-th consecutive failure waits a random time between half
/// and all of min(max, initial * 2^n), so appliances that lost central together do not return
/// together. Randomness is injected.
struct Backoff: Sendable {
    let initial: Duration
    let maximum: Duration
    private(set) var failures = 0

    init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial, "backoff needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait after one more failure.
    mutating func next(using random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(failures, 30)
        failures += 1
        let ceiling = min(maximum, initial * (1 << exponent))
        let half = ceiling / 2
        let halfNanos = max(1, Int64(half / .nanoseconds(1)))
        return half + .nanoseconds(Int64.random(in: 0...halfNanos, using: &random))
    }

    mutating func reset() { failures = 0 }
}
