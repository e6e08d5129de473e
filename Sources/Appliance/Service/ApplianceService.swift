import Crypto
import Foundation
public import Journal
public import Logging
import Metrics
import NIOConcurrencyHelpers
public import Power
public import TerminalProtocol
public import Uplink
public import Wagering

/// The appliance as the terminal API sees it: the journal behind an intake gate, the board as
/// terminals read it (cached, versioned, streamed), and every outcome mapped to what a terminal
/// is told. Transport-free: the HTTP layer only authenticates, decodes and encodes.
public final class ApplianceService: Sendable {
    public let configuration: ApplianceConfiguration
    public let journal: BetJournal
    public let intake: IntakeGate
    /// Terminals a technician disabled, and when each was last seen.
    public let terminalAccess: TerminalAccess
    /// Terminals and technicians from central's feed.
    let credentials: CentralCredentials
    let centralLimits: CentralLimitsFile
    private let limits: NIOLockedValueBox<BettingLimits>
    let alertHook: AlertHook
    /// The journal-cannot-write alert, raised and cleared by the ``HealthMonitor``.
    public let journalWriteAlarm = JournalWriteAlarm()
    /// Refused terminal requests, summed per window for the journal and the alert.
    public let authFailures = AuthFailureLog()
    public let boardUpdates: BoardBroadcaster<BoardSnapshot>
    /// The link to central, when one is configured; holdfastd runs it (and the feed) as services.
    public let uplink: UplinkService?
    /// Whether the wall clock may time offline bets: unsure after a start with a clock earlier
    /// than the journal's last record, until central answers or a technician sets the time.
    public let clockTrust: ClockTrust
    public private(set) var feed: FeedService? {
        get { feedService.withLockedValue { $0 } }
        set { feedService.withLockedValue { $0 = newValue } }
    }
    private let feedService = NIOLockedValueBox<FeedService?>(nil)
    /// Decides in-play bets at the end of their delay; holdfastd runs it as a service.
    public let delays: DelayDecider
    private let boardSnapshot: NIOLockedValueBox<BoardSnapshot>
    private let power = NIOLockedValueBox<(state: PowerSupervisor.State, stale: Bool)>((.unknown, false))
    let clock: any JournalClock
    let logger: Logger

    init(configuration: ApplianceConfiguration, journal: BetJournal, board: BoardSnapshot, uplink: UplinkService?, clockTrust: ClockTrust,
         centralWitness: DelayDecider.CentralWitness?, clock: any JournalClock, logger: Logger) {
        self.configuration = configuration
        self.journal = journal
        self.intake = IntakeGate()
        self.terminalAccess = TerminalAccess(dataDirectory: configuration.dataDirectory)
        self.credentials = CentralCredentials(dataDirectory: configuration.dataDirectory)
        self.centralLimits = CentralLimitsFile(dataDirectory: configuration.dataDirectory)
        self.limits = NIOLockedValueBox(configuration.limits)
        self.alertHook = AlertHook(command: configuration.alerts.command, appliance: configuration.applianceCode.rawValue, logger: logger)
        self.boardUpdates = BoardBroadcaster(maxSubscribers: configuration.api.maxBoardStreams)
        self.boardSnapshot = NIOLockedValueBox(board)
        self.clock = clock
        self.logger = logger
        self.uplink = uplink
        self.clockTrust = clockTrust
        self.delays = DelayDecider(journal: journal, clock: clock, witness: centralWitness, maxPendingSeconds: configuration.inPlay.maxPendingSeconds,
                                   logger: logger)
    }

    /// Opens the journal (verifying it), loads the demo board when configured, and caches the board.
    public static func start<Source: RandomNumberGenerator>(
        _ configuration: ApplianceConfiguration, clock: any JournalClock, random: inout Source, logger: Logger
    ) async throws -> ApplianceService {
        var journalConfiguration = JournalConfiguration(
            directory: configuration.dataDirectory, applianceCode: configuration.applianceCode, currency: configuration.currency,
            limits: configuration.limits, maxOpenTickets: configuration.journal.maxOpenTickets,
            queueCapacity: configuration.journal.queueCapacity, maxBatch: configuration.journal.maxBatch,
            groupCommitDelay: .microseconds(configuration.journal.groupCommitDelayMicroseconds))
        journalConfiguration.inPlayRules = configuration.inPlay.rules
        let journal = try await BetJournal.open(journalConfiguration, clock: clock, random: &random, logger: logger)
        // One transport (one connection pool) for the push and the feed.
        let link = try configuration.uplink.map { settings in
            (settings: settings, transport: try HTTPSyncTransport(settings: settings, appliance: configuration.applianceCode.rawValue))
        }
        let uplinkClock = UplinkSystemClock(clock: clock)
        let lastContact = LastContactFile(path: configuration.dataDirectory + "/central.last-contact")
        let clockTrust = try await assessClock(journal: journal, lastContact: lastContact, clock: clock, logger: logger)
        // One tracker for both channels: a bet is online only while the records and the feed are fresh.
        let feedContact = LastContactFile(path: configuration.dataDirectory + "/central.feed-contact")
        let tracker = link.map { settings, _ in
            ConnectivityTracker(endpoint: settings.endpoints[0].absoluteString, freshness: settings.freshness, channels: [.records, .feed],
                                startedAt: uplinkClock.now,
                                // Before the feed had a file of its own, the records' contact stands for it.
                                lastContactMillis: [.records: lastContact.read(), .feed: feedContact.read() ?? lastContact.read()]
                                    .compactMapValues { $0 })
        }
        let uplink = link.map { settings, transport in
            UplinkService(settings: settings, appliance: configuration.applianceCode.rawValue, source: JournalSyncSource(journal: journal),
                          transport: transport, clock: uplinkClock, logger: logger, lastContact: lastContact, tracker: tracker,
                          onStateChange: { [journal] from, link in
                              // Journaled, so the change reaches central with the records and survives a reboot.
                              _ = try? await journal.apply(.record(category: "uplink.\(link.state.rawValue)",
                                                                   message: "uplink \(from.rawValue) -> \(link.state.rawValue) (\(link.endpoint)\(link.lastError.map { ": " + $0 } ?? ""))"))
                          },
                          onHighWater: { [journal] head, drift in
                              journal.offline.acknowledge(through: head.seq)
                              // Central's answer carries its clock: within the tolerance this
                              // clock may time offline bets again; beyond it, not.
                              guard let drift, clockTrust.centralAnswered(driftMillis: drift, wallMillis: clock.wallMillis(),
                                                                          monotonicNanos: clock.monotonicNanos()) else { return }
                              let trusted = clockTrust.current == .trusted
                              let message = trusted ? "central answered within \(ClockTrust.toleranceMillis / 1_000) s of this clock; offline bets may be timed again"
                                  : "central's answer puts this clock \(drift / 1_000) s off its own: offline bets are refused until it is within \(ClockTrust.toleranceMillis / 1_000) s"
                              logger.notice("\(trusted ? "clock.trusted" : "clock.unsure"): \(message)")
                              _ = try? await journal.apply(.record(category: trusted ? "clock.trusted" : "clock.unsure", message: message))
                          })
        }
        // The feed reader is made after the service (it applies through it); the decider asks it
        // through this box.
        let feedReader = NIOLockedValueBox<FeedService?>(nil)
        let witness = tracker.map { tracker in
            DelayDecider.CentralWitness(online: { tracker.current(at: uplinkClock.now).state == .online },
                                        lastFeedSend: { tracker.lastCurrentSend(.feed) },
                                        readFeedNow: { sentBy in feedReader.withLockedValue { $0 }?.readNow(ifSentBy: sentBy) })
        }
        let service = ApplianceService(configuration: configuration, journal: journal,
                                       board: try BoardSnapshot(version: 0, board: Board()), uplink: uplink, clockTrust: clockTrust,
                                       centralWitness: witness, clock: clock, logger: logger)
        // The local hook only: the decision's own record says it, and central raises
        // inplay-undecided from that record when it arrives.
        service.delays.onUndecided { [weak service] decision in
            service?.alertHook.raise("inplay.undecided", """
                in-play bet \(decision.ticketID) declined: central's feed was not heard after its delay within \
                \(configuration.inPlay.maxPendingSeconds) s (in_play.max_pending_seconds)
                """)
        }
        for bet in try await journal.book().pendingBets.values.sorted(by: { $0.ticketID < $1.ticketID }) {
            service.delays.hold(bet)
        }
        if let stored = service.centralLimits.read() {
            // Central's limits outrank the file's, across a reboot too.
            try await service.setLimits(stored)
        }
        if let link {
            let applier = FeedApplier(service: service, logger: logger)
            service.feed = FeedService(settings: link.settings, transport: link.transport, cursorFile: configuration.dataDirectory + "/central.feed-cursor",
                                       clock: uplinkClock, logger: logger, tracker: tracker, lastContact: feedContact) { try await applier.apply($0) }
            feedReader.withLockedValue { $0 = service.feed }
        }
        if let demo = configuration.demo {
            try await service.loadDemoBoard(demo)
        }
        try await service.refreshBoard()
        return service
    }


    /// The betting limits in force: the configuration's, or central's once it has sent some.
    public var limitsInForce: BettingLimits { limits.withLockedValue { $0 } }

    /// Journals new limits (the journal's book applies them to bets from then on).
    func setLimits(_ new: BettingLimits) async throws(JournalError) {
        try await journal.apply(.setLimits(new))
        limits.withLockedValue { $0 = new }
    }

    // MARK: Board

    public var board: BoardSnapshot { boardSnapshot.withLockedValue { $0 } }

    /// Re-reads the board after a change, bumps its version and tells the stream's subscribers.
    /// The board and its version come from one commit, and a newer snapshot is published under
    /// the same lock that stores it, so concurrent refreshes neither cache an older board under
    /// a newer version nor deliver versions out of order.
    public func refreshBoard() async throws {
        let (board, version) = journal.versionedBoard()
        let snapshot = try BoardSnapshot(version: version, board: board, inPlayRules: configuration.inPlay.rules)
        boardSnapshot.withLockedValue { current in
            guard snapshot.version > current.version else { return }
            current = snapshot
            boardUpdates.publish(snapshot)
        }
    }

    /// Journals a board change (price, status) and refreshes the cached board.
    @discardableResult
    public func changeBoard(_ command: JournalCommand) async throws(JournalError) -> JournaledFact {
        let fact = try await journal.apply(command)
        do { try await refreshBoard() } catch {
            logger.error("board changed but could not be re-read for terminals", metadata: ["error": "\(error)"])
        }
        return fact
    }

    // MARK: Bets and tickets

    /// Places a bet for `terminal`; answers the ticket (with its security code) or the refusal.
    public func place(_ request: PlaceBetRequest, by terminal: TerminalCredential) async -> Result<TicketView, Problem> {
        // Closed intake refuses new bets in the journal, after the key is looked up: a retry of a
        // bet already recorded is answered it, never told that nothing was recorded.
        let closed = intake.closedReason
        var betRequest: BetRequest
        switch BetRequestMapping.map(request, terminal: terminal.id) {
        case .success(let mapped): betRequest = mapped
        case .failure(let problem): return .failure(closed.map(Self.intakeProblem) ?? problem)
        }
        betRequest.newBetsRefused = closed != nil
        (betRequest.offline, betRequest.offlineClosed) = offlineConditions()
        betRequest.centralNowMillis = clockTrust.centralNowMillis(monotonicNanos: clock.monotonicNanos())
        do {
            let receipt = try await journal.place(betRequest)
            if receipt.status == .pending || receipt.status == .declined { return await inPlayAnswer(receipt) }
            // A retry of a ticket since voided also says why, and of one taken offline where its
            // verdict stands: both are in the tickets table and the records, read only for these.
            // Should that read fail, the answer still has the right status and amount.
            var stored: TicketRecord?
            if receipt.isReplay, receipt.status == .voided || receipt.bet.verdictRequired == true {
                stored = (try? await journal.ticket(receipt.bet.ticketID)) ?? nil
            }
            return .success(TicketView(bet: receipt.bet, status: receipt.status, amount: receipt.amount, securityCode: receipt.securityCode,
                                       replayed: receipt.isReplay, voidReason: stored?.voidReason, verdict: stored?.verdict))
        } catch {
            switch (closed, error) {
            case (nil, _), (_, .idempotencyConflict): return .failure(ProblemMapping.problem(for: error))
            case (let closed?, _): return .failure(Self.intakeProblem(closed))
            }
        }
    }

    private static func intakeProblem(_ closed: IntakeClosure) -> Problem {
        if case .power = closed { return Problem(.intakeClosedPower, detail: closed.description) }
        return Problem(.intakeClosed, detail: closed.description)
    }

    /// The offline limits that apply now: none while central's answers are fresh (or when there
    /// is no central); the terms otherwise, from the first missed answer; and once central has
    /// not held this appliance's records for longer than it may, or its prices are too old, the
    /// breach every new bet is refused with (by the journal, after the key lookup, so retries
    /// still get their tickets). Both durations are monotonic: a stepped clock moves neither.
    private func offlineConditions() -> (terms: OfflineTerms?, closed: OfflineBreach?) {
        guard let link = uplink?.connectivity, let offlineSeconds = secondsOffline(link) else { return (nil, nil) }
        let terms = configuration.offline.terms
        if let why = clockTrust.distrust(wallMillis: clock.wallMillis(), monotonicNanos: clock.monotonicNanos()) {
            return (terms, OfflineBreach(limit: .clockUnsure, detail: """
                \(why), so offline bets cannot be timed; they resume once central answers within \(ClockTrust.toleranceMillis / 1_000) s \
                of this clock or a technician confirms the time at the console (clock confirm)
                """))
        }
        let limit = Int64(configuration.offline.maxOfflineSeconds)
        guard offlineSeconds < limit else {
            return (terms, OfflineBreach(limit: .maxTimeOffline, detail: """
                central has not taken this appliance's records for \(offlineSeconds) s; \
                offline bets stop after \(limit) s, until central is reached
                """))
        }
        // The feed sends every price change, so every price is as fresh as the feed's last
        // current answer.
        let priceAge = (link.feedSilentMillis ?? link.recordsSilentMillis) / 1_000
        let maxAge = Int64(configuration.offline.priceMaxAgeSeconds)
        guard priceAge < maxAge else {
            return (terms, OfflineBreach(limit: .stalePrices, detail: """
                the board's prices were last confirmed by central \(priceAge) s ago; offline, prices older than \(maxAge) s are refused
                """))
        }
        return (terms, nil)
    }

    /// A ticket as stored. Kiosks may only see tickets they placed.
    public func ticket(_ text: String, for terminal: TerminalCredential) async -> Result<TicketRecord, Problem> {
        let id: TicketID
        do { id = try TicketID(parsing: text) } catch { return .failure(Problem(.ticketNotFound, detail: error.description)) }
        do {
            guard let view = try await journal.ticket(id),
                  terminal.role == .staff || view.bet.terminalID == terminal.id
            else { return .failure(Problem(.ticketNotFound, detail: "no ticket \(id) on this appliance")) }
            return .success(view)
        } catch {
            return .failure(Problem(.journalUnavailable, detail: "the ticket could not be read: \(error)"))
        }
    }

    /// Checks a security code without paying.
    public func validate(_ text: String, code: String, for terminal: TerminalCredential) async -> Result<ValidationView, Problem> {
        switch await ticket(text, for: terminal) {
        case .failure(let problem): return .failure(problem)
        case .success(let view):
            let valid = (try? SecurityCode(parsing: code)).map { view.bet.securityDigest.matches($0.digest) } ?? false
            return .success(ValidationView(ticketId: view.bet.ticketID.description, valid: valid, status: view.status,
                                           amount: MoneyView(Money(minorUnits: view.amount, currency: configuration.currency))))
        }
    }

    /// Pays a won or voided ticket once, to the holder of its code.
    public func payout(_ text: String, code: String, by terminal: TerminalCredential) async -> Result<TicketView, Problem> {
        await ticketCommand(text) { id throws(Problem) in
            guard let securityCode = try? SecurityCode(parsing: code) else {
                throw Problem(.securityCodeMismatch, detail: "the security code does not match ticket \(id)")
            }
            return .pay(id, code: securityCode, at: terminal.id, early: configuration.offline.earlyPayout)
        }
    }

    /// Cancels an open ticket within the configured window; its stake becomes payable.
    public func void(_ text: String, reason: String, by terminal: TerminalCredential) async -> Result<TicketView, Problem> {
        await ticketCommand(text) { id throws(Problem) in
            let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, trimmed.count <= 500 else {
                throw Problem(.malformedRequest, detail: "a void needs a reason of 1 to 500 characters", field: "reason")
            }
            // The void window and the event's start are read off the wall clock: a stepped one
            // would refund a bet whose race is run (session 20's review, finding 2).
            if let why = clockTrust.distrust(wallMillis: clock.wallMillis(), monotonicNanos: clock.monotonicNanos()) {
                throw Problem(.voidWindowPassed, detail: "\(why): voids wait until the clock is trusted again (central's answer, or `clock confirm`)")
            }
            return .void(id, by: terminal.id, reason: trimmed, windowMillis: Int64(configuration.api.voidWindowSeconds) * 1_000)
        }
    }

    private func ticketCommand(_ text: String, _ command: (TicketID) throws(Problem) -> JournalCommand) async -> Result<TicketView, Problem> {
        let id: TicketID
        do { id = try TicketID(parsing: text) } catch { return .failure(Problem(.ticketNotFound, detail: error.description)) }
        do {
            let journaled = try command(id)
            // Read before the change, not after: once `apply` returns the change is durable, and
            // a failed read then would answer "nothing was recorded" for a payout that was made.
            guard var ticket = try await journal.ticket(id) else { return .failure(Problem(.ticketNotFound, detail: "no ticket \(id)")) }
            let fact = try await journal.apply(journaled)
            if case .ticketPaid(let payment) = fact.applied.event, payment.beforeVerdict == true { paidBeforeVerdict(payment) }
            guard let change = fact.applied.tickets.first(where: { $0.ticketID == id }) else {
                preconditionFailure("a payout or void journaled no change to its ticket \(id)")
            }
            ticket.status = change.status
            ticket.amount = change.amount
            ticket.updatedSeq = fact.seq
            if case .void(_, _, let reason, _) = journaled { ticket.voidReason = reason }
            return .success(TicketView(ticket))
        } catch let problem as Problem {
            return .failure(problem)
        } catch let error as JournalError {
            return .failure(ProblemMapping.problem(for: error))
        } catch {
            return .failure(Problem(.journalUnavailable, detail: "\(error)"))
        }
    }

    /// The venue chose to pay this offline win before central's verdict: the journal says so on
    /// the payment; here it is logged and counted, the risk the venue is carrying.
    private func paidBeforeVerdict(_ payment: TicketPayment) {
        logger.notice("offline win paid before central's verdict (offline.pay_before_verdict_up_to)",
                      metadata: ["ticket": "\(payment.ticketID)", "amount": "\(payment.amount)", "terminal": "\(payment.terminalID)"])
        Counter(label: "holdfast_payouts_before_verdict_total").increment()
    }

    // MARK: State

    /// Set by the power controller after every supervisor step.
    public func setPowerState(_ state: PowerSupervisor.State, sourceStale: Bool) {
        power.withLockedValue { $0 = (state, sourceStale) }
    }

    public func state() async -> ApplianceStateView {
        let closed = intake.closedReason
        let (powerState, stale) = power.withLockedValue { $0 }
        let link = uplink?.connectivity
        let linked: OperatingMode = link.map { $0.state == .online ? .online : .offline } ?? .offline
        var mode: OperatingMode = switch powerState {
        case .unknown, .mains: linked
        case .onBattery: .onBattery
        case .shuttingDown, .poweringOff: .shuttingDown
        }
        if case .power? = closed { mode = .shuttingDown }
        let head = (try? await journal.headSeq()) ?? -1
        let openTickets = journal.openTicketCount()
        return ApplianceStateView(mode: mode.rawValue, intakeOpen: closed == nil, intakeClosedReason: closed?.description,
                                  power: PowerView(source: configuration.power.source.rawValue, state: PowerStatus.describe(powerState).name,
                                                   sourceStale: stale),
                                  uplink: link.map { UplinkView(state: $0.state.rawValue, sinceMillis: $0.sinceMillis) }
                                      ?? UplinkView(state: "not_configured", sinceMillis: nil),
                                  boardVersion: board.version, journalHeadSeq: head, openTickets: openTickets,
                                  offline: offlineState(link))
    }

    private func offlineState(_ link: Connectivity?) -> OfflineStateView? {
        guard let link else { return nil }
        let terms = configuration.offline.terms
        let totals = journal.offline.totals
        let offlineSeconds = secondsOffline(link)
        return OfflineStateView(
            applies: offlineSeconds != nil, maxStakePerBet: MoneyView(Money(minorUnits: terms.maxStakePerBet, currency: configuration.currency)),
            liabilityRemaining: MoneyView(Money(minorUnits: max(0, terms.maxLiability - totals.liability), currency: configuration.currency)),
            betsRemaining: max(0, terms.maxBets - totals.bets),
            secondsRemaining: offlineSeconds.map { max(0, Int64(configuration.offline.maxOfflineSeconds) - $0) })
    }

    /// How long central has not held this appliance's records, while the offline limits apply
    /// (the link offline or refused); nil otherwise.
    private func secondsOffline(_ link: Connectivity) -> Int64? {
        guard link.state != .online else { return nil }
        return link.recordsSilentMillis / 1_000
    }

    /// Stops intake, ends the board streams and closes the journal (after in-flight commits).
    public func shutdown() async {
        intake.close(.shutdown)
        boardUpdates.finish()
        await journal.close()
    }
}
