import Testing
@testable import Uplink

/// The link state that decides which limits a bet is taken under (docs/adr/0013-online-means-fresh.md).
@Suite("Uplink: connectivity tracking")
struct ConnectivityTrackerTests {
    /// Wall and monotonic time moving together from `second` seconds; `wallStep` moves the wall
    /// clock alone, as NTP or a technician would.
    static func at(_ second: Double, wallStep: Int64 = 0) -> UplinkInstant {
        let millis = Int64(second * 1_000)
        return UplinkInstant(wallMillis: 1_795_867_200_000 + millis + wallStep, monotonicNanos: 5_000_000_000 + millis * 1_000_000)
    }

    static func tracker(freshness: Duration = .seconds(10), lastContactMillis: [CentralChannel: Int64] = [:]) -> ConnectivityTracker {
        ConnectivityTracker(endpoint: "c1", freshness: freshness, channels: [.records, .feed], startedAt: at(0),
                            lastContactMillis: lastContactMillis)
    }

    static func bothAnswered(_ tracker: ConnectivityTracker, sentAt second: Double) {
        tracker.answered(.records, sentAt: at(second), current: true)
        tracker.answered(.feed, sentAt: at(second), current: true)
    }

    @Test("online only while both channels answered current within the bound; a frozen feed is offline without any failure")
    func freshnessOfBothChannels() {
        let tracker = Self.tracker()
        #expect(tracker.current(at: Self.at(0)).state == .offline, "nothing answered yet this run")
        tracker.answered(.records, sentAt: Self.at(1), current: true)
        #expect(tracker.current(at: Self.at(1.5)).state == .offline, "the feed, the way central stops bets, has not answered")
        tracker.answered(.feed, sentAt: Self.at(1), current: true)
        #expect(tracker.current(at: Self.at(2)).state == .online)
        #expect(tracker.current(at: Self.at(11)).state == .online, "10 s after the send is still within the bound")

        // The feed goes quiet (blocked, or central hung) while pushes are still answered.
        tracker.answered(.records, sentAt: Self.at(10), current: true)
        let frozen = tracker.current(at: Self.at(11.001))
        #expect(frozen.state == .offline, "a board central can no longer change is not online")
        #expect(frozen.feedSilentMillis == 10_001 && frozen.recordsSilentMillis == 1_001)
        #expect(frozen.sinceMillis == Self.at(1).wallMillis, "offline since the staler channel's last current answer")
    }

    @Test("the first failed request makes the link offline at once: there is no grace period")
    func noGrace() {
        let tracker = Self.tracker()
        Self.bothAnswered(tracker, sentAt: 1)
        #expect(tracker.observe(at: Self.at(2)) == (.offline, .online))
        tracker.failed(.records, endpoint: "c1", error: "connection reset")
        #expect(tracker.observe(at: Self.at(2.1)) == (.online, .offline))
        Self.bothAnswered(tracker, sentAt: 3)
        #expect(tracker.current(at: Self.at(3.2)).state == .online)
        tracker.failed(.feed, endpoint: "c1", error: "timed out")
        #expect(tracker.current(at: Self.at(3.3)).state == .offline, "a failed feed read counts as much as a failed push")
    }

    @Test("answers that are not current keep the link offline: a backlog still in flight, a full feed page, central behind the head")
    func answersThatAreNotCurrent() {
        let tracker = Self.tracker()
        Self.bothAnswered(tracker, sentAt: 1)
        tracker.failed(.records, endpoint: "c1", error: "timed out")
        tracker.answered(.records, sentAt: Self.at(2), current: false)
        tracker.recordsAnswered(endpoint: "c1", highWater: 5, localHead: 9, clockDriftMillis: nil, at: Self.at(2))
        let link = tracker.current(at: Self.at(2.5))
        #expect(link.state == .offline && link.recordsSilentMillis == 1_500)
        #expect(link.backlog == 4)
    }

    @Test("a refusal never restarts the time offline, however often central answers in between")
    func refusalKeepsTheSilence() {
        let tracker = Self.tracker()
        Self.bothAnswered(tracker, sentAt: 1)
        tracker.failed(.records, endpoint: "c1", error: "timed out")
        tracker.observe(at: Self.at(70))
        tracker.refused(endpoint: "c1", error: "fork")
        #expect(tracker.observe(at: Self.at(3_000)) == (.offline, .refused))
        #expect(tracker.current(at: Self.at(3_000)).recordsSilentMillis == 2_999_000)
        // Central answers its high-water check, then refuses the push, again and again: refused
        // throughout, never a flap to offline and back (each one journaled and alerted).
        for second in stride(from: 3_001.0, to: 3_010, by: 1) {
            tracker.answered(.records, sentAt: Self.at(second), current: false)
            tracker.recordsAnswered(endpoint: "c1", highWater: 5, localHead: 9, clockDriftMillis: nil, at: Self.at(second))
            #expect(tracker.observe(at: Self.at(second + 0.1)) == (.refused, .refused))
            tracker.refused(endpoint: "c1", error: "fork")
        }
        let link = tracker.current(at: Self.at(3_010))
        #expect(link.state == .refused && link.recordsSilentMillis == 3_009_000, "the time offline would start again at each retry")
        #expect(link.sinceMillis == Self.at(1).wallMillis)
    }

    @Test("a wall clock stepped back or forward moves neither the freshness nor the time offline")
    func wallStepsDoNotCount() {
        let tracker = Self.tracker()
        Self.bothAnswered(tracker, sentAt: 1)
        #expect(tracker.current(at: Self.at(5, wallStep: -3_600_000)).state == .online)
        #expect(tracker.current(at: Self.at(5, wallStep: 3_600_000)).state == .online, "an hour forward is not an hour of silence")
        tracker.failed(.records, endpoint: "c1", error: "reset")
        let back = tracker.current(at: Self.at(61, wallStep: -3_600_000))
        #expect(back.recordsSilentMillis == 60_000, "an hour back would otherwise give an hour's more offline betting")
    }

    @Test("after a restart each silence counts from its channel's last contact, never from the boot; a contact ahead of the clock is an unknown silence")
    func silenceAcrossARestart() {
        let records = Self.at(0).wallMillis - 600_000, feed = Self.at(0).wallMillis - 900_000
        let tracker = Self.tracker(lastContactMillis: [.records: records, .feed: feed])
        let link = tracker.current(at: Self.at(1))
        #expect(link.state == .offline && link.recordsSilentMillis == 601_000 && link.feedSilentMillis == 901_000)
        #expect(link.sinceMillis == feed, "offline since the staler channel's contact")
        // The clock reads earlier than the contact: how long central has been silent is unknown,
        // so it counts as past any limit until central answers, never as a fresh allowance.
        let ahead = Self.tracker(lastContactMillis: [.records: Self.at(0).wallMillis + 3_600_000])
        #expect(ahead.current(at: Self.at(1)).recordsSilentMillis >= ConnectivityTracker.unknownSilenceMillis)
        #expect(ahead.current(at: Self.at(1)).feedSilentMillis == 1_000, "no feed contact written down: from the start")
    }
}
