import Crypto
import NIOConcurrencyHelpers

/// Nonces seen within the signature window, so a captured request cannot be replayed.
///
/// Bounded: an entry is only needed until its timestamp falls out of the allowed skew (after that
/// the timestamp check refuses the replay), so expired entries are dropped; if the cache is still
/// full of live entries the request is refused as busy rather than remembered nowhere.
///
/// The cache holds every request of the last signature window (about 100,000 under `holdfast
/// bench api`), so an entry is not the terminal id and nonce as strings, a heap allocation each,
/// but 16 bytes: the first 128 bits of their SHA-256. Two nonces with the same digest would only
/// make the second look replayed, and be refused (the terminal signs again with a new nonce);
/// at 2^-128 per pair, that does not happen.
final class NonceCache: Sendable {
    private struct Key: Hashable {
        var high: UInt64
        var low: UInt64
    }

    private struct State {
        var expiries: [Key: Int64] = [:]
        var order: [(key: Key, expiry: Int64)] = []
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
        let key = Self.key(terminal: terminal, nonce: nonce)
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

    private static func key(terminal: String, nonce: String) -> Key {
        var hash = SHA256()
        var terminal = terminal
        var nonce = nonce
        terminal.withUTF8 { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        // A separator no header value contains, so ("ab", "c") and ("a", "bc") differ.
        withUnsafeBytes(of: UInt8(0)) { hash.update(bufferPointer: $0) }
        nonce.withUTF8 { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        return hash.finalize().withUnsafeBytes { digest in
            Key(high: digest.loadUnaligned(as: UInt64.self), low: digest.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
    }
}
