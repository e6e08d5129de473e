import Testing
@testable import TerminalAPI

@Suite("Nonce cache")
struct NonceCacheTests {
    @Test("a nonce is fresh once per terminal, and replayed until its expiry")
    func freshThenReplayed() {
        let cache = NonceCache(capacity: 100)
        #expect(cache.check(terminal: "kiosk-1", nonce: "a1b2c3d4", nowMillis: 1_000, expiryMillis: 31_000) == .fresh)
        #expect(cache.check(terminal: "kiosk-1", nonce: "a1b2c3d4", nowMillis: 2_000, expiryMillis: 32_000) == .replayed)
        #expect(cache.check(terminal: "kiosk-1", nonce: "a1b2c3d4", nowMillis: 31_000, expiryMillis: 61_000) == .replayed)
        // Another terminal's nonce is its own, and the separator keeps the pairs apart.
        #expect(cache.check(terminal: "kiosk-2", nonce: "a1b2c3d4", nowMillis: 2_000, expiryMillis: 32_000) == .fresh)
        #expect(cache.check(terminal: "kiosk-1a", nonce: "1b2c3d4", nowMillis: 2_000, expiryMillis: 32_000) == .fresh)
        #expect(cache.check(terminal: "kiosk-1", nonce: "a1b2c3d4x", nowMillis: 2_000, expiryMillis: 32_000) == .fresh)
    }

    @Test("an expired entry is forgotten, and frees its place")
    func expiryFreesPlaces() {
        let cache = NonceCache(capacity: 2)
        #expect(cache.check(terminal: "kiosk-1", nonce: "nonce-001", nowMillis: 0, expiryMillis: 10_000) == .fresh)
        #expect(cache.check(terminal: "kiosk-1", nonce: "nonce-002", nowMillis: 0, expiryMillis: 10_000) == .fresh)
        #expect(cache.check(terminal: "kiosk-1", nonce: "nonce-003", nowMillis: 5_000, expiryMillis: 15_000) == .full)
        #expect(cache.check(terminal: "kiosk-1", nonce: "nonce-003", nowMillis: 10_001, expiryMillis: 20_001) == .fresh)
        // Past its expiry a nonce is accepted again here; the timestamp check refuses such a replay.
        #expect(cache.check(terminal: "kiosk-1", nonce: "nonce-001", nowMillis: 10_001, expiryMillis: 20_001) == .fresh)
    }

    @Test("many entries: every one fresh once, then every one replayed")
    func manyEntries() {
        let cache = NonceCache(capacity: 50_000)
        for index in 0..<20_000 {
            #expect(cache.check(terminal: "kiosk-\(index % 64)", nonce: "n\(index)", nowMillis: 0, expiryMillis: 1_000) == .fresh)
        }
        var replayed = 0
        for index in 0..<20_000
        where cache.check(terminal: "kiosk-\(index % 64)", nonce: "n\(index)", nowMillis: 1, expiryMillis: 1_000) == .replayed {
            replayed += 1
        }
        #expect(replayed == 20_000)
    }
}
