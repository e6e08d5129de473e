@testable import Appliance
import Foundation
import Journal
import Logging
import NIOConcurrencyHelpers
import SyncProtocol
import TerminalProtocol
import TestSupport
@testable import Uplink
import Wagering

/// One boot of the appliance, composed as `ApplianceService.start` composes it (the journal, the
/// clock's assessment against the last written time, one connectivity tracker for both channels
/// seeded from the contact files, the in-play decider witnessed by that tracker, the feed
/// applier), except that nothing runs on its own. The simulation carries each exchange with
/// central, doing with central's answer what the uplink and feed services do with it, and each
/// round of in-play decisions, in seeded order, so a seed replays the same run.
final class VenueAppliance {
    static let batchSize = 64
    static let endpoint = "https://central.sim"

    let service: ApplianceService
    let tracker: ConnectivityTracker
    private let applier: FeedApplier
    private let recordsContact: LastContactFile
    private let feedContact: LastContactFile
    private let clock: VenueClock
    let kiosk: TerminalCredential
    let staff: TerminalCredential

    var journal: BetJournal { service.journal }
    var now: UplinkInstant { UplinkInstant(wallMillis: clock.wallMillis(), monotonicNanos: clock.monotonicNanos()) }

    static func configuration(directory: String) throws -> ApplianceConfiguration {
        try ApplianceConfiguration.parse(yaml: """
            appliance: { code: SIM1, currency: GBP, data_dir: \(directory) }
            api: {}
            journal: {}
            limits:
              min_stake_per_line: "0.10"
              max_stake_per_bet: "500.00"
              max_payout_per_bet: "25000.00"
              max_liability_per_selection: "50000.00"
              max_liability_per_market: "100000.00"
              terminal_max_stake_per_bet: "500.00"
              terminal_max_open_stake: "100000.00"
            terminals:
              - { id: kiosk, role: kiosk, secret: 0000000000000000000000000000000000000000000000000000000000000001 }
              - { id: staff, role: staff, secret: 0000000000000000000000000000000000000000000000000000000000000002 }
            power: { source: simulated }
            offline: { max_stake_per_bet: "20.00", max_liability: "400.00", max_queued_bets: 40, max_offline_seconds: \(OfflineSimulation.maxOfflineSeconds), price_max_age_seconds: \(OfflineSimulation.priceMaxAgeSeconds) }
            in_play: { delay_seconds: 2, max_pending_per_terminal: 4, max_pending: 16, max_pending_seconds: 45 }
            """, relativeTo: directory)
    }

    private init(service: ApplianceService, tracker: ConnectivityTracker, applier: FeedApplier, recordsContact: LastContactFile,
                 feedContact: LastContactFile, clock: VenueClock, configuration: ApplianceConfiguration) {
        self.service = service
        self.tracker = tracker
        self.applier = applier
        self.recordsContact = recordsContact
        self.feedContact = feedContact
        self.clock = clock
        kiosk = configuration.terminals.first { $0.id == "kiosk" }!
        staff = configuration.terminals.first { $0.id == "staff" }!
    }

    static func boot(directory: String, clock: VenueClock, random: inout SplitMix64, logger: Logger) async throws -> VenueAppliance {
        let configuration = try configuration(directory: directory)
        var journalConfiguration = JournalConfiguration(directory: directory, applianceCode: configuration.applianceCode,
                                                        currency: configuration.currency, limits: configuration.limits)
        journalConfiguration.inPlayRules = configuration.inPlay.rules
        let journal = try await BetJournal.open(journalConfiguration, clock: clock, random: &random, logger: logger)
        let recordsContact = LastContactFile(path: directory + "/central.last-contact")
        let feedContact = LastContactFile(path: directory + "/central.feed-contact")
        let clockTrust = try await ApplianceService.assessClock(journal: journal, lastContact: recordsContact, clock: clock, logger: logger)
        let uplinkClock = UplinkSystemClock(clock: clock)
        let tracker = ConnectivityTracker(endpoint: endpoint, freshness: .seconds(OfflineSimulation.freshnessSeconds), channels: [.records, .feed],
                                          startedAt: uplinkClock.now,
                                          lastContactMillis: [.records: recordsContact.read(), .feed: feedContact.read()].compactMapValues { $0 })
        let settings = UplinkSettings(endpoints: [URL(string: endpoint)!], certificateFile: "", keyFile: "", centralCAFile: "",
                                      batchSize: batchSize, freshness: .seconds(OfflineSimulation.freshnessSeconds))
        let uplink = UplinkService(settings: settings, appliance: "SIM1", source: JournalSyncSource(journal: journal), transport: NotRunTransport(),
                                   clock: uplinkClock, logger: logger, lastContact: recordsContact, tracker: tracker)
        let witness = DelayDecider.CentralWitness(online: { tracker.current(at: uplinkClock.now).state == .online },
                                                  lastFeedSend: { tracker.lastCurrentSend(.feed) }, readFeedNow: { _ in })
        let service = ApplianceService(configuration: configuration, journal: journal, board: try BoardSnapshot(version: 0, board: Board()),
                                       uplink: uplink, clockTrust: clockTrust, centralWitness: witness, clock: clock, logger: logger)
        for bet in try await journal.book().pendingBets.values.sorted(by: { $0.ticketID < $1.ticketID }) {
            service.delays.hold(bet)
        }
        try await service.refreshBoard()
        return VenueAppliance(service: service, tracker: tracker, applier: FeedApplier(service: service, logger: logger),
                              recordsContact: recordsContact, feedContact: feedContact, clock: clock, configuration: configuration)
    }

    /// A push (or, with nothing to push, a high-water check) that reached central, and central's
    /// answer, as `UplinkService` takes it: current when central then held every record; the
    /// drift read from central's clock; the offline ledger acknowledged; the clock's trust
    /// settled by the drift. `answerLost`: central took the records but the answer never came.
    /// Answers whether the answer was current.
    @discardableResult
    func exchangeRecords(with central: VenueCentral, answerLost: Bool) async throws -> Bool {
        let sent = now
        let localHead = try await journal.headSeq()
        let records = try await journal.records(after: central.heldSeq, limit: Self.batchSize)
        try central.receive(records, atMillis: clock.trueMillis)
        guard !answerLost else {
            recordsFailed("simulated: the answer was lost")
            return false
        }
        let answered = now
        let drift = UplinkInstant.drift(sent: sent, answered: answered, centralMillis: clock.trueMillis)!
        let current = central.heldSeq >= localHead
        tracker.recordsAnswered(endpoint: Self.endpoint, highWater: central.heldSeq, localHead: localHead, clockDriftMillis: drift, at: answered)
        tracker.answered(.records, sentAt: sent, current: current)
        let (before, after) = tracker.observe(at: answered)
        if current { recordsContact.record(sent.wallMillis, force: before != after) }
        journal.offline.acknowledge(through: central.heldSeq)
        let trust = service.clockTrust
        if trust.centralAnswered(driftMillis: drift, wallMillis: answered.wallMillis, monotonicNanos: answered.monotonicNanos) {
            let trusted = trust.current == .trusted
            _ = try await journal.apply(.record(category: trusted ? "clock.trusted" : "clock.unsure", message: "central's answer: drift \(drift) ms"))
        }
        return current
    }

    func recordsFailed(_ why: String) {
        tracker.failed(.records, endpoint: Self.endpoint, error: why)
        tracker.observe(at: now)
    }

    /// A feed read that reached central, as `FeedService` takes it: each item after the cursor
    /// applied in order (the board, results, verdicts), the cursor moved on, and the channel fresh
    /// from the send when the page was not full. Answers the new cursor, and whether the page
    /// held everything central had.
    func readFeed(from central: VenueCentral, after cursor: Int64) async throws -> (cursor: Int64, current: Bool) {
        let sent = now
        let page = central.feed.dropFirst(Int(cursor)).prefix(FeedPage.maxItems)
        for item in page { try await applier.apply(item) }
        let current = page.count < FeedPage.maxItems
        tracker.answered(.feed, sentAt: sent, current: current)
        tracker.observe(at: now)
        if current { feedContact.record(sent.wallMillis, force: false) }
        return (page.last?.cursor ?? cursor, current)
    }

    func feedFailed(_ why: String) {
        tracker.failed(.feed, endpoint: Self.endpoint, error: why)
        tracker.observe(at: now)
    }

    /// A graceful stop: the decider stops as at a shutdown (its run entered already cancelled, so
    /// it decides nothing more and answers every waiting request `undecided`), then the service.
    func stop() async {
        let decider = service.delays
        let stopping = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try? await decider.run()
        }
        await stopping.value
        await service.shutdown()
    }
}

/// The uplink service here only holds the link's state; it is never run (the simulation carries
/// every exchange), so its transport is never called.
private struct NotRunTransport: SyncTransport {
    func highWater(at endpoint: URL) async throws(UplinkError) -> PushAnswer { preconditionFailure("the simulation's uplink is never run") }
    func push(_ batch: PushBatch, to endpoint: URL) async throws(UplinkError) -> PushAnswer { preconditionFailure("the simulation's uplink is never run") }
    func feed(after cursor: Int64, wait: Duration, at endpoint: URL) async throws(UplinkError) -> FeedPage {
        preconditionFailure("the simulation's uplink is never run")
    }
    func history(after seq: Int64, limit: Int, at endpoint: URL) async throws(UplinkError) -> RecordPage {
        preconditionFailure("the simulation's uplink is never run")
    }
    func checkHealth(of endpoint: URL) async throws(UplinkError) { preconditionFailure("the simulation's uplink is never run") }
    func shutdown() async {}
}
