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

    @Test("once the cache has doubled since its last sweep, expired entries are swept out and live ones kept")
    func sweepsOnGrowth() {
        let cache = NonceCache(capacity: 1_000_000)
        for index in 0..<1_000 {
            #expect(cache.check(terminal: "kiosk-1", nonce: "early-\(index)", nowMillis: 0, expiryMillis: 1_000) == .fresh)
        }
        for index in 0..<24 {
            #expect(cache.check(terminal: "kiosk-1", nonce: "late-\(index)", nowMillis: 0, expiryMillis: 60_000) == .fresh)
        }
        #expect(cache.count == 1_024)
        // The 1,025th entry sweeps: the early ones expired at 1 s, the late ones live until 60 s.
        #expect(cache.check(terminal: "kiosk-1", nonce: "after", nowMillis: 2_000, expiryMillis: 62_000) == .fresh)
        #expect(cache.count == 25)
        #expect(cache.check(terminal: "kiosk-1", nonce: "late-7", nowMillis: 3_000, expiryMillis: 63_000) == .replayed)
    }

    @Test("an expiry is kept to the whole second after it, never less")
    func expiryRoundsUp() {
        let cache = NonceCache(capacity: 10)
        #expect(cache.check(terminal: "kiosk-1", nonce: "nonce-001", nowMillis: 0, expiryMillis: 10_200) == .fresh)
        #expect(cache.check(terminal: "kiosk-1", nonce: "nonce-001", nowMillis: 10_200, expiryMillis: 20_200) == .replayed)
        #expect(cache.check(terminal: "kiosk-1", nonce: "nonce-001", nowMillis: 11_000, expiryMillis: 21_000) == .replayed)
        #expect(cache.check(terminal: "kiosk-1", nonce: "nonce-001", nowMillis: 11_001, expiryMillis: 21_001) == .fresh)
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
