public import Journal
public import Logging
import Metrics
import NIOConcurrencyHelpers
public import ServiceLifecycle
import Uplink
public import Wagering

/// Decides in-play bets once their delay has passed (docs/adr/0014-in-play-delay.md).
///
/// A bet is decided only after its delay, measured on the monotonic clock from its placing (or
/// from the start that found it pending), and only once the link is online with central's feed
/// answered current to a request *sent* after the delay: every suspension central committed in
/// the window is then on the board. Until then it waits; neither a WAN cut nor a restart declines
/// it, or pulling a cable would cancel a bet whose game turned. Past `max_pending_seconds` it is
/// declined as `undecided_in_time`, and that raises an alert. A standalone appliance decides
/// from its own board after the delay.
///
/// Terminals wait for the decision on their own request; a retry with the same key waits for the
/// same decision. Waiters register under the lock the decision resolves them under, so none can
/// miss it; at most ``maxWaitersPerBet`` wait on one bet, so retries cannot pile up. At a graceful
/// shutdown every waiter is answered `undecided` (the bet stays pending, decided after the
/// restart), so the HTTP server's drain never waits out a delay.
public final class DelayDecider: Service, Sendable {
    /// What a waiting request is told.
    public enum Outcome: Sendable, Equatable {
        case accepted
        case declined(DelayDecision)
        /// Not decided on this request, and why: the decider is stopping, the journal could not
        /// write the decision, or too many requests wait on the bet. It stays pending, decided
        /// later (after a restart if stopping).
        case undecided(String)
    }

    /// What tells the decider that central has been heard: nil for a standalone appliance.
    public struct CentralWitness: Sendable {
        /// Whether the link is online now (both channels fresh).
        let online: @Sendable () -> Bool
        /// When the feed's last current answer's request was sent, monotonic nanos.
        let lastFeedSend: @Sendable () -> Int64?
        /// Cuts the feed's long poll short for a request answered at once, if the one in flight
        /// was sent at or before the given monotonic instant.
        let readFeedNow: @Sendable (_ sentBy: Int64) -> Void
    }

    private struct Entry {
        /// When the delay ends; moved on after a failed decision, so the retry is not a busy loop.
        var windowEndNanos: Int64
        var giveUpNanos: Int64
        var waiters: [CheckedContinuation<Outcome?, Never>] = []
        var feedAsked = false
    }

    /// Requests waiting on one bet at most; more retries are answered `undecided` at once.
    static let maxWaitersPerBet = 8
    static let stoppingReason = "the appliance is stopping; the bet is decided once it runs again"

    private let entries = NIOLockedValueBox<[TicketID: Entry]>([:])
    /// Set once ``run()`` has stopped: a request arriving after is answered at once, not left
    /// waiting for a decider that no longer runs.
    private let stopped = NIOLockedValueBox(false)
    private let journal: BetJournal
    private let clock: any JournalClock
    private let witness: CentralWitness?
    private let maxPendingNanos: Int64
    private let pollInterval: Duration
    /// Told of each bet declined because central was not heard in time (the service journals
    /// an alert); set once the service exists.
    private let undecidedHandler = NIOLockedValueBox<(@Sendable (DelayDecision) async -> Void)?>(nil)
    private let logger: Logger
    private let pendingGauge = Gauge(label: "holdfast_inplay_pending")

    init(journal: BetJournal, clock: any JournalClock, witness: CentralWitness?, maxPendingSeconds: Int, pollInterval: Duration = .milliseconds(50),
         logger: Logger) {
        self.journal = journal
        self.clock = clock
        self.witness = witness
        self.maxPendingNanos = Int64(maxPendingSeconds) * 1_000_000_000
        self.pollInterval = pollInterval
        self.logger = logger
    }

    func onUndecided(_ handler: @escaping @Sendable (DelayDecision) async -> Void) {
        undecidedHandler.withLockedValue { $0 = handler }
    }

    /// Starts the delay of a bet taken pending now, or found pending at start (its window begins
    /// again: the monotonic clock began again at boot). A bet already waiting keeps its window.
    func hold(_ bet: PlacedBet) {
        guard let delay = bet.inPlayDelay else { return }
        let now = clock.monotonicNanos()
        entries.withLockedValue { entries in
            guard entries[bet.ticketID] == nil else { return }
            entries[bet.ticketID] = Entry(windowEndNanos: now + Int64(delay.seconds) * 1_000_000_000, giveUpNanos: now + maxPendingNanos)
            pendingGauge.record(entries.count)
        }
    }

    /// Waits for the decision on a pending bet: one just placed (`isNew`: its delay starts now),
    /// or a retry, which waits for the bet's running delay, or is answered from the journal if
    /// the bet was decided already.
    func outcome(of bet: PlacedBet, isNew: Bool) async -> Outcome {
        if isNew { hold(bet) }
        let ticket = bet.ticketID
        let answered: Outcome?? = await withCheckedContinuation { continuation in
            let registered = entries.withLockedValue { entries -> Outcome?? in
                guard !stopped.withLockedValue({ $0 }) else { return .some(.undecided(Self.stoppingReason)) }
                guard entries[ticket] != nil else { return .some(nil) }
                guard entries[ticket]!.waiters.count < Self.maxWaitersPerBet else {
                    return .some(.undecided("\(Self.maxWaitersPerBet) requests already wait on this bet"))
                }
                entries[ticket]!.waiters.append(continuation)
                return nil
            }
            if let registered { continuation.resume(returning: registered) }
        }
        switch answered {
        case .some(.some(let outcome)): return outcome
        case .some(.none):
            // Not waiting here: decided already, or a retry racing its own placement's hold.
            return await standing(of: bet.ticketID, waitingIfPending: bet)
        case .none: preconditionFailure("a continuation resumed with nothing")
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.decideDue()
                try? await Task.sleep(for: self.pollInterval)
            }
        }
        // Stopping: the waiting requests are answered now, so the HTTP server can drain, and any
        // arriving later at once (the flag is set under the same lock the waiters register under).
        let waiters = entries.withLockedValue { entries -> [CheckedContinuation<Outcome?, Never>] in
            stopped.withLockedValue { $0 = true }
            defer { for ticket in entries.keys { entries[ticket]!.waiters = [] } }
            return entries.values.flatMap(\.waiters)
        }
        for waiter in waiters { waiter.resume(returning: .undecided(Self.stoppingReason)) }
    }

    /// Decides every bet whose delay has passed and whose central was heard since; asks the feed
    /// once per bet for an answer at once.
    func decideDue() async {
        let now = clock.monotonicNanos()
        let lastFeedSend = witness?.lastFeedSend() ?? .min
        let online = witness?.online() ?? true
        var askFeedSentBy: Int64?
        let due = entries.withLockedValue { entries -> [(TicketID, DelayDeclineReason?)] in
            var due: [(TicketID, DelayDeclineReason?)] = []
            for (ticket, entry) in entries where entry.windowEndNanos <= now {
                // Heard first: a bet that can be decided on its merits is, even at its deadline.
                if witness == nil || (online && lastFeedSend > entry.windowEndNanos) {
                    due.append((ticket, nil))
                } else if now >= entry.giveUpNanos {
                    due.append((ticket, .undecidedInTime))
                } else if !entry.feedAsked {
                    entries[ticket]!.feedAsked = true
                    askFeedSentBy = max(askFeedSentBy ?? .min, entry.windowEndNanos)
                }
            }
            return due
        }
        if let askFeedSentBy { witness?.readFeedNow(askFeedSentBy) }
        for (ticket, giveUp) in due.sorted(by: { $0.0 < $1.0 }) {
            await decide(ticket, giveUp: giveUp)
        }
    }

    private func decide(_ ticket: TicketID, giveUp: DelayDeclineReason?) async {
        let outcome: Outcome
        do {
            let fact = try await journal.apply(.decideDelayed(ticket, giveUp: giveUp))
            guard case .betDelayDecided(let decision) = fact.applied.event else { preconditionFailure("a decision journals bet.delay_decided") }
            outcome = decision.isAccepted ? .accepted : .declined(decision)
            Counter(label: "holdfast_inplay_decisions_total", dimensions: [("outcome", decision.declined?.rawValue ?? "accepted")]).increment()
            logger.info("in-play bet decided", metadata: ["ticket": "\(ticket)", "outcome": "\(decision.declined?.rawValue ?? "accepted")",
                                                          "detail": "\(decision.detail)"])
            if decision.declined == .undecidedInTime, let handler = undecidedHandler.withLockedValue({ $0 }) { await handler(decision) }
        } catch .refused(.notPending(_, _)), .refused(.unknownTicket(_)) {
            outcome = await standing(of: ticket, waitingIfPending: nil)
        } catch .closed {
            // Shutting down: it stays pending, decided after the restart.
            resolve(ticket, .undecided(Self.stoppingReason))
            return
        } catch {
            logger.error("in-play bet not decided; retrying in a second", metadata: ["ticket": "\(ticket)", "error": "\(error)"])
            wake(ticket, with: .undecided("the decision could not be journaled (\(error)); it is tried again"),
                 retryAt: clock.monotonicNanos() + 1_000_000_000)
            return
        }
        resolve(ticket, outcome)
    }

    /// The decision as the journal holds it, for a bet this decider is not waiting on: decided
    /// already, or (a retry racing its placement) about to be held, so waited on after all.
    private func standing(of ticket: TicketID, waitingIfPending bet: PlacedBet?) async -> Outcome {
        let record: TicketRecord?
        do { record = try await journal.ticket(ticket) } catch { return .undecided("the ticket could not be read: \(error)") }
        guard let record else { return .undecided("ticket \(ticket) is not in the tickets table") }
        switch record.status {
        case .pending:
            guard let bet else { return .undecided("ticket \(ticket) is still pending after its decision") }
            return await outcome(of: bet, isNew: true)
        case .declined:
            guard let declined = record.declined else { return .undecided("ticket \(ticket)'s decision cannot be read") }
            return .declined(declined)
        case .open, .won, .lost, .voided, .paid: return .accepted
        }
    }

    private func resolve(_ ticket: TicketID, _ outcome: Outcome) {
        let waiters = entries.withLockedValue { entries -> [CheckedContinuation<Outcome?, Never>] in
            let waiters = entries.removeValue(forKey: ticket)?.waiters ?? []
            pendingGauge.record(entries.count)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// Answers the current waiters without forgetting the bet, so it is tried again at `retryAt`.
    private func wake(_ ticket: TicketID, with outcome: Outcome, retryAt: Int64) {
        let waiters = entries.withLockedValue { entries -> [CheckedContinuation<Outcome?, Never>] in
            defer {
                entries[ticket]?.waiters = []
                entries[ticket]?.windowEndNanos = retryAt
            }
            return entries[ticket]?.waiters ?? []
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// Requests waiting on one bet now.
    func waiterCount(_ ticket: TicketID) -> Int { entries.withLockedValue { $0[ticket]?.waiters.count ?? 0 } }

    /// Bets waiting now, for the console and tests.
    public var pendingCount: Int { entries.withLockedValue { $0.count } }
}
