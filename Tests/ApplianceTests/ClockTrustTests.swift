import Foundation
import Testing
import TestSupport
@testable import Appliance

/// Whether a start's wall clock may time offline bets (issue 24, hole 3).
@Suite("The wall clock after a start")
struct ClockTrustTests {
    static let lastRecord: Int64 = 1_795_870_800_000

    @Test("a clock earlier than the last written time is unsure until settled; later or equal is trusted")
    func standing() {
        #expect(ClockTrust(wallNowMillis: Self.lastRecord, lastKnownMillis: Self.lastRecord).current == .trusted)
        #expect(ClockTrust(wallNowMillis: Self.lastRecord + 1, lastKnownMillis: Self.lastRecord).current == .trusted)
        #expect(ClockTrust(wallNowMillis: 0, lastKnownMillis: nil).current == .trusted, "a new appliance has nothing to compare with")
        let behind = ClockTrust(wallNowMillis: Self.lastRecord - 3_600_000, lastKnownMillis: Self.lastRecord)
        #expect(behind.current == .unsure(readingMillis: Self.lastRecord - 3_600_000, lastKnownMillis: Self.lastRecord))
        #expect(behind.settle() == true && behind.current == .trusted)
        #expect(behind.settle() == false, "a second settle is not a second change")
    }

    @Test("while unsure the time to reach is kept across restarts, though the records meanwhile carry the wrong clock's times")
    func keptAcrossRestarts() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/clock.unsure"
        let wrong = Self.lastRecord - 3_600_000
        _ = ClockTrust(wallNowMillis: wrong, lastKnownMillis: Self.lastRecord, file: file)
        // Restarted with the same wrong clock: the journal's head is now a record it timed.
        let again = ClockTrust(wallNowMillis: wrong + 60_000, lastKnownMillis: wrong + 30_000, file: file)
        #expect(again.current == .unsure(readingMillis: wrong + 60_000, lastKnownMillis: Self.lastRecord))
        again.settle()
        #expect(!FileManager.default.fileExists(atPath: file), "settled: nothing left to reach")
        #expect(ClockTrust(wallNowMillis: wrong + 90_000, lastKnownMillis: wrong + 30_000, file: file).current == .trusted)
    }
}
