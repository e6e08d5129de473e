/// Software debounce for one input line. libgpiod v1 has no debounce of its own (the kernel's
/// per-line debounce arrived with the v2 uAPI), so edges restart a settle timer here and the level
/// is read once it has held for the debounce time. Pure: times come in as monotonic nanoseconds,
/// so tests drive it without a line or a clock.
///
/// A line that never holds still (a loose contact, a HAT's output oscillating) is not hidden: once
/// the edges have gone on for ``flappingBound`` the current level is reported anyway and
/// ``flapping`` says so, at most once per bound, so the supervisor still sees power trouble and
/// the journal does not fill with every bounce.
public struct LineDebouncer: Sendable {
    public let debounceNanos: Int64
    public let flappingBoundNanos: Int64
    /// The level last reported (true: the line's role is active).
    public private(set) var reported: Bool
    private var firstEdgeNanos: Int64?
    private var lastEdgeNanos: Int64 = 0
    /// The last settle ended a burst that never held still.
    public private(set) var flapping = false

    public init(debounce: Duration, initialLevel: Bool) {
        precondition(debounce >= .zero, "a debounce time is not negative")
        debounceNanos = Int64(debounce / .nanoseconds(1))
        flappingBoundNanos = max(debounceNanos * 10, 50_000_000)
        reported = initialLevel
    }

    /// An edge was seen (its direction does not matter: the level is read when it settles).
    public mutating func edge(atNanos now: Int64) {
        if firstEdgeNanos == nil { firstEdgeNanos = now }
        lastEdgeNanos = max(lastEdgeNanos, now)
    }

    /// When the line must next be read, or nil while no edge is pending.
    public var deadlineNanos: Int64? {
        guard let first = firstEdgeNanos else { return nil }
        return min(lastEdgeNanos + debounceNanos, first + flappingBoundNanos)
    }

    /// Call at or after ``deadlineNanos`` with the line's current level: the new level when it
    /// differs from the last one reported, else nil.
    public mutating func settle(level: Bool, atNanos now: Int64) -> Bool? {
        guard let first = firstEdgeNanos, let deadline = deadlineNanos, now >= deadline else { return nil }
        flapping = now - lastEdgeNanos < debounceNanos && now - first >= flappingBoundNanos
        firstEdgeNanos = nil
        guard level != reported else { return nil }
        reported = level
        return level
    }
}
