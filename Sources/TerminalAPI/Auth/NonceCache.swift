import NIOConcurrencyHelpers

/// Nonces seen within the signature window, so a captured request cannot be replayed.
///
/// Bounded: an entry is only needed until its timestamp falls out of the allowed skew (after that
/// the timestamp check refuses the replay), so expired entries are dropped; if the cache is still
/// full of live entries the request is refused as busy rather than remembered nowhere.
final class NonceCache: Sendable {
    private struct State {
        var expiries: [String: Int64] = [:]
        var order: [(key: String, expiry: Int64)] = []
        var head = 0
    }

    enum Outcome: Equatable { case fresh, replayed, full }

    private let state = NIOLockedValueBox(State())
    private let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "nonce cache capacity must be positive")
        self.capacity = capacity
    }

    /// Records `nonce` of `terminal` until `expiryMillis`; says whether it was seen before.
    func check(terminal: String, nonce: String, nowMillis: Int64, expiryMillis: Int64) -> Outcome {
        let key = terminal + "\u{0}" + nonce
        return state.withLockedValue { state in
            // Entries are appended with non-decreasing expiry in practice; drop expired ones from the front.
            while state.head < state.order.count, state.order[state.head].expiry < nowMillis {
                let entry = state.order[state.head]
                if state.expiries[entry.key] == entry.expiry { state.expiries[entry.key] = nil }
                state.head += 1
            }
            if state.head > 4_096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            if let expiry = state.expiries[key], expiry >= nowMillis { return .replayed }
            guard state.expiries.count < capacity else { return .full }
            state.expiries[key] = expiryMillis
            state.order.append((key, expiryMillis))
            return .fresh
        }
    }
}
