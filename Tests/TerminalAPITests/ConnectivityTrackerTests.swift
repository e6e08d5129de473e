import Testing
@testable import Uplink

/// The link state that decides which limits a bet is taken under.
@Suite("Uplink: connectivity tracking")
struct ConnectivityTrackerTests {
    @Test("offline then refused: the time offline runs on from the last contact, it does not restart at the refusal")
    func refusalKeepsTheOfflineClock() {
        let grace = Duration.seconds(60)
        let tracker = ConnectivityTracker(endpoint: "c1", offlineGrace: grace, nowMillis: 0)
        tracker.succeeded(endpoint: "c1", highWater: 10, localHead: 10, clockDriftMillis: nil, nowMillis: 1_000)
        tracker.failed(endpoint: "c1", error: "timed out", nowMillis: 2_000)
        tracker.tick(nowMillis: 61_000)
        #expect(tracker.current.state == .offline)
        #expect(tracker.current.sinceMillis == 1_000)

        let (before, after) = tracker.refused(endpoint: "c1", error: "fork", nowMillis: 3_000_000)
        #expect(before == .offline && after == .refused)
        #expect(tracker.current.sinceMillis == 1_000, "the refusal would give another full time-offline allowance")
    }

    @Test("degraded then refused keeps the last contact; online then refused starts at the refusal")
    func refusalFromOtherStates() {
        let degraded = ConnectivityTracker(endpoint: "c1", offlineGrace: .seconds(60), nowMillis: 0)
        degraded.succeeded(endpoint: "c1", highWater: 1, localHead: 1, clockDriftMillis: nil, nowMillis: 5_000)
        degraded.failed(endpoint: "c1", error: "reset", nowMillis: 6_000)
        degraded.refused(endpoint: "c1", error: "unknown certificate", nowMillis: 7_000)
        #expect(degraded.current.sinceMillis == 5_000)

        let online = ConnectivityTracker(endpoint: "c1", offlineGrace: .seconds(60), nowMillis: 0)
        online.succeeded(endpoint: "c1", highWater: 1, localHead: 1, clockDriftMillis: nil, nowMillis: 5_000)
        online.refused(endpoint: "c1", error: "fork", nowMillis: 8_000)
        #expect(online.current.state == .refused && online.current.sinceMillis == 8_000)
        online.refused(endpoint: "c1", error: "fork again", nowMillis: 9_000)
        #expect(online.current.sinceMillis == 8_000)
    }
}
