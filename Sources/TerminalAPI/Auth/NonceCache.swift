import Crypto
import NIOConcurrencyHelpers

/// Nonces seen within the signature window, so a captured request cannot be replayed.
///
/// Bounded: an entry is only needed until its timestamp falls out of the allowed skew (after that
/// the timestamp check refuses the replay), so expired entries are dropped; if the cache is still
/// full of live entries the request is refused as busy rather than remembered nowhere.
///
/// The cache holds every request of the last signature window (hundreds of thousands under
/// `holdfast bench api`), so an entry is small: the key is not the terminal id and nonce as
/// strings, a heap allocation each, but the first 64 bits of their SHA-256, and the expiry is
/// whole seconds (12 bytes a bucket). Two live nonces with the same digest would only make the
/// second look replayed, and be refused (the terminal signs again with a new nonce): with a
/// quarter of a million live entries that is one chance in 7 * 10^13 per request, and a forged
/// collision only ever refuses the forger's own request. Expired entries are swept out in one
/// pass whenever the cache has doubled since the last sweep, rather than tracked in expiry order,
/// which took another entry's worth of memory for every entry
/// (docs/benchmarks-history.md, "Terminal API").
final class NonceCache: Sendable {
    private struct State {
        /// Each remembered nonce's expiry in Unix seconds, rounded up: kept up to a second longer.
        var expiries: [UInt64: UInt32] = [:]
        /// Sweep once the cache reaches this size: twice what the last sweep left.
        var sweepAt = NonceCache.smallestSweep
        /// A full cache sweeps at most once a second, so a flood of requests cannot make every
        /// one of them pay for a pass over the whole cache.
        var lastSweepSecond = Int64.min
        /// No entry expires before this second, so a sweep before it would find nothing (and
        /// copying the cache to find nothing doubled its memory for a moment).
        var earliestExpiry = UInt32.max
    }

    enum Outcome: Equatable { case fresh, replayed, full }

    private static let smallestSweep = 1_024
    private let state = NIOLockedValueBox(State())
    private let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "nonce cache capacity must be positive")
        self.capacity = capacity
    }

    /// Entries held, expired ones not yet swept included.
    var count: Int { state.withLockedValue { $0.expiries.count } }

    /// Records `nonce` of `terminal` until `expiryMillis`; says whether it was seen before.
    func check(terminal: String, nonce: String, nowMillis: Int64, expiryMillis: Int64) -> Outcome {
        let key = Self.key(terminal: terminal, nonce: nonce)
        let expirySecond = UInt32(clamping: expiryMillis / 1_000 + (expiryMillis % 1_000 > 0 ? 1 : 0))
        return state.withLockedValue { state in
            let nowSecond = nowMillis / 1_000
            if state.expiries.count >= state.sweepAt || (state.expiries.count >= capacity && nowSecond > state.lastSweepSecond) {
                if Int64(state.earliestExpiry) * 1_000 < nowMillis {
                    var earliest = UInt32.max
                    state.expiries = state.expiries.filter { entry in
                        guard Int64(entry.value) * 1_000 >= nowMillis else { return false }
                        earliest = min(earliest, entry.value)
                        return true
                    }
                    state.earliestExpiry = earliest
                }
                state.sweepAt = max(Self.smallestSweep, 2 * state.expiries.count)
                state.lastSweepSecond = nowSecond
            }
            if let expiry = state.expiries[key], Int64(expiry) * 1_000 >= nowMillis { return .replayed }
            guard state.expiries.count < capacity else { return .full }
            state.expiries[key] = expirySecond
            state.earliestExpiry = min(state.earliestExpiry, expirySecond)
            return .fresh
        }
    }

    private static func key(terminal: String, nonce: String) -> UInt64 {
        var hash = SHA256()
        var terminal = terminal
        var nonce = nonce
        terminal.withUTF8 { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        // A separator no header value contains, so ("ab", "c") and ("a", "bc") differ.
        withUnsafeBytes(of: UInt8(0)) { hash.update(bufferPointer: $0) }
        nonce.withUTF8 { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hash.finalize().withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }
}
