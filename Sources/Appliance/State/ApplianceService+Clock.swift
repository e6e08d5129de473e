import Journal
import Logging
import Uplink

extension ApplianceService {
    /// The wall clock against the latest time this appliance wrote down: its journal's head
    /// record and central's last contact. Earlier means the clock is wrong (no RTC, a flat RTC
    /// battery, a bad NTP answer), and is journaled as an alert.
    static func assessClock(journal: BetJournal, lastContact: LastContactFile, clock: any JournalClock,
                                    logger: Logger) async throws -> ClockTrust {
        let head = try await journal.headSeq()
        let lastRecord = head > 0 ? try await journal.records(after: head - 1, limit: 1).first?.wallMillis : nil
        let trust = ClockTrust(wallNowMillis: clock.wallMillis(), monotonicNanos: clock.monotonicNanos(),
                               lastKnownMillis: [lastRecord, lastContact.read()].compactMap { $0 }.max(),
                               file: journal.configuration.directory + "/clock.unsure")
        if case .unsure(let reading, let lastKnown) = trust.current {
            let message = """
                the wall clock reads \(PowerStatusText.clockTime(reading)) UTC, \((lastKnown - reading) / 1_000) s before this appliance's \
                last written time (\(PowerStatusText.clockTime(lastKnown)) UTC): offline bets are refused until central answers \
                or a technician confirms the time (console: clock confirm)
                """
            logger.error("clock.unsure: \(message)")
            _ = try await journal.apply(.record(category: "clock.unsure", message: message))
        }
        return trust
    }
}
