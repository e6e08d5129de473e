import Foundation
import Testing
import TestSupport
@testable import Appliance
import Uplink

/// Whether the wall clock may time offline bets (issue 24, hole 3; docs/adr/0013).
@Suite("The wall clock for offline bets")
struct ClockTrustTests {
    static let lastRecord: Int64 = 1_795_870_800_000
    static let boot: Int64 = 5_000_000_000

    static func trust(wall: Int64, lastKnown: Int64?, file: String? = nil) -> ClockTrust {
        ClockTrust(wallNowMillis: wall, monotonicNanos: boot, lastKnownMillis: lastKnown, file: file)
    }

    @Test("a start earlier than the last written time is unsure until settled; later or equal is trusted")
    func standingAtStart() {
        #expect(Self.trust(wall: Self.lastRecord, lastKnown: Self.lastRecord).current == .trusted)
        #expect(Self.trust(wall: 0, lastKnown: nil).current == .trusted, "a new appliance has nothing to compare with")
        let behind = Self.trust(wall: Self.lastRecord - 3_600_000, lastKnown: Self.lastRecord)
        #expect(behind.current == .unsure(readingMillis: Self.lastRecord - 3_600_000, lastKnownMillis: Self.lastRecord))
        #expect(behind.distrust(wallMillis: Self.lastRecord - 3_600_000, monotonicNanos: Self.boot)?.contains("at start") == true)
        #expect(behind.mustReachMillis == Self.lastRecord)
        #expect(behind.settle(wallMillis: Self.lastRecord + 1, monotonicNanos: Self.boot) == true && behind.current == .trusted)
        #expect(behind.settle(wallMillis: Self.lastRecord + 2, monotonicNanos: Self.boot) == false, "a second settle is no change")
    }

    @Test("central's answer settles the clock only within 10 s of its own; beyond, a trusted clock is distrusted")
    func centralDrift() {
        let behind = Self.trust(wall: Self.lastRecord - 3_600_000, lastKnown: Self.lastRecord)
        #expect(behind.centralAnswered(driftMillis: -3_600_000, wallMillis: Self.lastRecord - 3_600_000, monotonicNanos: Self.boot) == false)
        #expect(behind.current == .offCentral(driftMillis: -3_600_000), "an answer an hour off does not make the clock right")
        #expect(behind.centralAnswered(driftMillis: 40, wallMillis: Self.lastRecord, monotonicNanos: Self.boot) == true)
        #expect(behind.current == .trusted)
        #expect(behind.centralAnswered(driftMillis: 10_001, wallMillis: Self.lastRecord, monotonicNanos: Self.boot) == true)
        #expect(behind.distrust(wallMillis: Self.lastRecord, monotonicNanos: Self.boot)?.contains("central's last answer") == true)
    }

    @Test("a wall clock stepped by more than 10 s against the monotonic clock since it was trusted may not time offline bets")
    func stepsWhileRunning() {
        let trust = Self.trust(wall: Self.lastRecord, lastKnown: Self.lastRecord)
        let minuteLater = Self.boot + 60_000_000_000
        #expect(trust.distrust(wallMillis: Self.lastRecord + 60_000, monotonicNanos: minuteLater) == nil, "time passing is no step")
        #expect(trust.distrust(wallMillis: Self.lastRecord + 69_000, monotonicNanos: minuteLater) == nil, "9 s of slew or a small step")
        let back = trust.distrust(wallMillis: Self.lastRecord - 600_000, monotonicNanos: minuteLater)
        #expect(back?.contains("moved -660 s") == true, "\(String(describing: back))")
        #expect(trust.distrust(wallMillis: Self.lastRecord + 3_660_000, monotonicNanos: minuteLater) != nil, "forward counts as much")
        trust.settle(wallMillis: Self.lastRecord - 600_000, monotonicNanos: minuteLater)
        #expect(trust.distrust(wallMillis: Self.lastRecord - 600_000, monotonicNanos: minuteLater) == nil, "re-anchored when settled")
    }

    @Test("steps either side of central's answer add up: 8 s off at the answer and 8 s more after it is 16 s off, distrusted")
    func errorsAddUpAcrossAnAnswer() {
        let trust = Self.trust(wall: Self.lastRecord, lastKnown: Self.lastRecord)
        let later = Self.boot + 60_000_000_000
        // Stepped 8 s forward, then central answers: 8 s off its clock, within the tolerance.
        #expect(trust.centralAnswered(driftMillis: 8_000, wallMillis: Self.lastRecord + 68_000, monotonicNanos: later) == false)
        #expect(trust.distrust(wallMillis: Self.lastRecord + 68_000, monotonicNanos: later) == nil)
        let stepped = trust.distrust(wallMillis: Self.lastRecord + 76_000, monotonicNanos: later)
        #expect(stepped?.contains("16 s off central's time") == true, "\(String(describing: stepped))")
        #expect(trust.distrust(wallMillis: Self.lastRecord + 60_000, monotonicNanos: later) == nil, "stepped back to central's time is right")
        #expect(trust.centralNowMillis(monotonicNanos: later) == Self.lastRecord + 60_000, "central's time, carried on the monotonic clock")
        #expect(trust.centralNowMillis(monotonicNanos: later + 5_000_000_000) == Self.lastRecord + 65_000)
    }

    @Test("a technician's confirm cannot reset what central measured: 9 s off central, confirmed, then 5 s more is 14 s off")
    func confirmKeepsCentralsMeasure() {
        let trust = Self.trust(wall: Self.lastRecord, lastKnown: Self.lastRecord)
        #expect(trust.centralAnswered(driftMillis: 9_000, wallMillis: Self.lastRecord, monotonicNanos: Self.boot) == false)
        trust.settle(wallMillis: Self.lastRecord, monotonicNanos: Self.boot)
        let stepped = trust.distrust(wallMillis: Self.lastRecord + 5_000, monotonicNanos: Self.boot)
        #expect(stepped?.contains("14 s off central's time") == true, "\(String(describing: stepped))")
    }

    @Test("a central clock reading no real clock gives is ignored, not trusted, and overflows nothing")
    func saneCentralReadings() {
        let sent = UplinkInstant(wallMillis: Self.lastRecord, monotonicNanos: Self.boot)
        let answered = UplinkInstant(wallMillis: Self.lastRecord + 200, monotonicNanos: Self.boot + 200_000_000)
        #expect(UplinkInstant.drift(sent: sent, answered: answered, centralMillis: Self.lastRecord + 100) == 0)
        #expect(UplinkInstant.drift(sent: sent, answered: answered, centralMillis: Self.lastRecord - 5_000) == 5_100)
        for reading: Int64 in [.min, -1, 4_102_444_800_001, .max] {
            #expect(UplinkInstant.drift(sent: sent, answered: answered, centralMillis: reading) == nil, "\(reading)")
        }
        #expect(UplinkInstant.drift(sent: sent, answered: answered, centralMillis: nil) == nil)
    }

    @Test("while unsure the time to reach is kept across restarts, though the records meanwhile carry the wrong clock's times")
    func keptAcrossRestarts() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/clock.unsure"
        let wrong = Self.lastRecord - 3_600_000
        _ = Self.trust(wall: wrong, lastKnown: Self.lastRecord, file: file)
        // Restarted with the same wrong clock: the journal's head is now a record it timed.
        let again = Self.trust(wall: wrong + 60_000, lastKnown: wrong + 30_000, file: file)
        #expect(again.current == .unsure(readingMillis: wrong + 60_000, lastKnownMillis: Self.lastRecord))
        again.settle(wallMillis: Self.lastRecord + 1, monotonicNanos: Self.boot)
        #expect(!FileManager.default.fileExists(atPath: file), "settled: nothing left to reach")
    }
}
