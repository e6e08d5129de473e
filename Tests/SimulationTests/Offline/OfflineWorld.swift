@testable import Appliance
import Journal
import Logging
import NIOConcurrencyHelpers
import SyncProtocol
import TerminalProtocol
import TestSupport
import Uplink
import Wagering

/// The venue, central and the link between them for one seed, moved one seeded step at a time.
final class OfflineWorld {
    /// A bet as the kiosk knows it: its request, and its ticket and code once answered.
    private struct KioskBet {
        var request: PlaceBetRequest
        var ticket: TicketID?
        var code: String?
    }

    /// An in-play bet whose request waits on the same connection for its decision.
    private struct Waiting {
        var key: String
        var ticket: TicketID
        var placedAtMillis: Int64
        var task: Task<Void, Never>
        var answer: NIOLockedValueBox<Result<TicketView, Problem>?>
    }

    private static let logger = Logger(label: "holdfast.simulation") { _ in SwiftLogNoOpLogHandler() }

    private var random: SplitMix64
    private let directory: String
    private let clock = VenueClock()
    private let central = VenueCentral()
    private var checker = OfflineChecker(startMillis: VenueClock.startMillis)
    private var appliance: VenueAppliance
    private var linkUp = true
    /// The feed cursor as the appliance wrote it down.
    private var cursor: Int64 = 0
    private var bets: [String: KioskBet] = [:]
    private var betCount = 0
    private var waiting: [Waiting] = []
    /// In-play bets left pending by a reboot: decided after it with no request waiting.
    private var pendingAlone: [TicketID: Int64] = [:]
    private(set) var tally = OfflineSimulation.Tally()

    init(seed: UInt64, directory: String) async throws {
        random = SplitMix64(seed: seed)
        self.directory = directory
        appliance = try await VenueAppliance.boot(directory: directory, clock: clock, random: &random, logger: Self.logger)
        central.trade(atMillis: clock.trueMillis, using: &random)
        try await exchangeRecords()
        try await readFeed()
    }

    func step() async throws {
        tally.steps += 1
        clock.advance(millis: Int64.random(in: 0...3_000, using: &random))
        // The uplink's and the feed's own rhythm while the WAN is up (a push or an idle check,
        // the long poll's heartbeat), and NTP putting a clock far off right again.
        if linkUp, Int.random(in: 0..<100, using: &random) < 70 {
            try await exchangeRecords()
            try await readFeed()
        }
        if linkUp, abs(clock.wallErrorMillis) > ClockTrust.toleranceMillis, Int.random(in: 0..<100, using: &random) < 5 {
            clock.stepWall(byMillis: -clock.wallErrorMillis + Int64.random(in: -2_000...2_000, using: &random))
        }
        switch Int.random(in: 0..<1_000, using: &random) {
        case 0..<250: central.trade(atMillis: clock.trueMillis, using: &random)
        case 250..<400: try await exchangeRecords()
        case 400..<550: try await readFeed()
        case 550..<750: try await placeBet()
        case 750..<790: try await retryBet()
        case 790..<835: try await payOut()
        case 835..<860: try await voidAtTheCounter()
        case 860..<900: stepClock()
        case 900..<950:
            linkUp.toggle()
            if !linkUp { tally.linkCuts += 1 }
        case 950..<965: try await reboot()
        case 965..<990: clock.advance(millis: Int64.random(in: 30...240, using: &random) * 1_000)
        default: break
        }
        await appliance.service.delays.decideDue()
        try await collectDecisions()
    }

    /// The link comes back for good and the clock is put right: everything pending is decided,
    /// central holds every record and the appliance every verdict; then the verdicts are checked.
    func settle() async throws {
        linkUp = true
        clock.stepWall(byMillis: -clock.wallErrorMillis)
        for _ in 0..<200 {
            clock.advance(millis: 2_000)
            try await exchangeRecords()
            try await readFeed()
            await appliance.service.delays.decideDue()
            try await collectDecisions()
            let head = try await appliance.journal.headSeq()
            if central.heldSeq == head, cursor == Int64(central.feed.count), waiting.isEmpty, pendingAlone.isEmpty { break }
        }
        try await checker.settled(appliance.journal, central: central)
        countVerdictOrders()
        tally.startsForgotten = central.startsForgotten
    }

    func stop() async {
        await appliance.stop()
        for entry in waiting { await entry.task.value }
        waiting = []
    }

    // MARK: The link

    private func exchangeRecords() async throws {
        guard linkUp else {
            appliance.recordsFailed("simulated: the WAN is cut")
            checker.failed(.records)
            return
        }
        let lost = Int.random(in: 0..<100, using: &random) < 8
        let sent = clock.trueMillis, error = clock.wallErrorMillis
        let current = try await appliance.exchangeRecords(with: central, answerLost: lost)
        if lost {
            tally.answersLost += 1
            checker.failed(.records)
        } else {
            checker.answered(.records, sentAtMillis: sent, wallErrorMillis: error, current: current)
        }
    }

    private func readFeed() async throws {
        guard linkUp, Int.random(in: 0..<100, using: &random) >= 8 else {
            if linkUp { tally.answersLost += 1 }
            appliance.feedFailed(linkUp ? "simulated: the answer was lost" : "simulated: the WAN is cut")
            checker.failed(.feed)
            return
        }
        let sent = clock.trueMillis, error = clock.wallErrorMillis
        let read = try await appliance.readFeed(from: central, after: cursor)
        cursor = read.cursor
        checker.answered(.feed, sentAtMillis: sent, wallErrorMillis: error, current: read.current)
    }

    // MARK: The kiosk and the counter

    private func placeBet() async throws {
        let markets = appliance.journal.board().markets.values.sorted { $0.id.rawValue < $1.id.rawValue }
        guard let first = markets.randomElement(using: &random) else { return }
        var legs = [leg(in: first)]
        if Int.random(in: 0..<100, using: &random) < 20,
           let second = markets.filter({ $0.event.id != first.event.id }).randomElement(using: &random) {
            legs.append(leg(in: second))
        }
        betCount += 1
        let policies: [OddsChangePolicy] = [.exact, .acceptHigher, .acceptAny]
        let request = PlaceBetRequest(idempotencyKey: "b\(betCount)", type: legs.count == 1 ? "single" : "accumulator", legs: legs,
                                      stakePerLine: MoneyView(minorUnits: Int64.random(in: 10...3_000, using: &random), currency: "GBP"),
                                      oddsChangePolicy: policies.randomElement(using: &random)!)
        bets[request.idempotencyKey] = KioskBet(request: request)
        try await submit(request)
    }

    private func leg(in market: Market) -> LegRequest {
        let selection = market.selections.randomElement(using: &random)!
        return LegRequest(selectionId: selection.id.rawValue, price: ExactPrice(selection.odds), priceVersion: selection.priceVersion)
    }

    /// A kiosk retrying a bet it was answered: the same ticket, never a second bet.
    private func retryBet() async throws {
        // Accepted bets only: a retry of one still in its delay would wait on its decision.
        let accepted = bets.values.filter { $0.code != nil }.sorted { $0.request.idempotencyKey < $1.request.idempotencyKey }
        guard let bet = accepted.randomElement(using: &random) else { return }
        switch await appliance.service.place(bet.request, by: appliance.kiosk) {
        case .success(let view):
            guard view.replayed, view.ticketId == bet.ticket!.description else {
                throw OfflineChecker.Violation(description: "a retry of \(bet.request.idempotencyKey) answered ticket \(view.ticketId), not \(bet.ticket!)")
            }
        case .failure(let problem):
            tally.refusals["retry " + Self.name(problem), default: 0] += 1
        }
    }

    /// Sends a new bet; an in-play one is left waiting for its decision once it is recorded.
    private func submit(_ request: PlaceBetRequest) async throws {
        let service = appliance.service, kiosk = appliance.kiosk
        let answer = NIOLockedValueBox<Result<TicketView, Problem>?>(nil)
        let held = service.delays.pendingCount
        let placedAt = clock.trueMillis
        let task = Task {
            let result = await service.place(request, by: kiosk)
            answer.withLockedValue { $0 = result }
        }
        while answer.withLockedValue({ $0 == nil }), service.delays.pendingCount == held { try await Task.sleep(for: .milliseconds(1)) }
        if answer.withLockedValue({ $0 == nil }) {
            let book = try await appliance.journal.book()
            guard let bet = book.pendingBets.values.first(where: { $0.idempotencyKey == request.idempotencyKey }) else {
                throw OfflineChecker.Violation(description: "bet \(request.idempotencyKey) is waiting, but no pending ticket has its key")
            }
            bets[request.idempotencyKey]?.ticket = bet.ticketID
            waiting.append(Waiting(key: request.idempotencyKey, ticket: bet.ticketID, placedAtMillis: placedAt, task: task, answer: answer))
            return
        }
        await task.value
        try await answered(request.idempotencyKey, answer.withLockedValue { $0 }!, placedAtMillis: placedAt)
    }

    private func answered(_ key: String, _ answer: Result<TicketView, Problem>, placedAtMillis placed: Int64) async throws {
        switch answer {
        case .success(let view):
            let ticket = try TicketID(parsing: view.ticketId)
            bets[key]?.ticket = ticket
            bets[key]?.code = view.securityCode
            guard let record = try await appliance.journal.ticket(ticket) else {
                throw OfflineChecker.Violation(description: "ticket \(ticket) was answered but is not in the journal")
            }
            try checker.accepted(record.bet, atMillis: placed, central: central)
            if record.bet.inPlayDelay != nil {
                try checker.acceptedAfterDelay(record.bet, placedAtMillis: placed, central: central)
                tally.inPlayAccepted += 1
            } else if record.bet.isOffline {
                tally.betsOffline += 1
            } else {
                tally.betsOnline += 1
            }
        case .failure(let problem):
            if problem.kind == .betDeclinedInDelay { tally.inPlayDeclined += 1 }
            if problem.kind == .betPending, let ticket = problem.ticketId.flatMap({ try? TicketID(parsing: $0) }) {
                pendingAlone[ticket] = placed
            }
            tally.refusals[Self.name(problem), default: 0] += 1
        }
    }

    /// Answers the in-play requests whose bets were decided in the last round, and checks the
    /// bets decided with no request waiting (left pending by a reboot).
    private func collectDecisions() async throws {
        var still: [Waiting] = []
        for entry in waiting {
            let status = try await appliance.journal.ticket(entry.ticket)?.status
            guard status != .pending || entry.answer.withLockedValue({ $0 != nil }) else {
                still.append(entry)
                continue
            }
            await entry.task.value
            try await answered(entry.key, entry.answer.withLockedValue { $0 }!, placedAtMillis: entry.placedAtMillis)
        }
        waiting = still
        for (ticket, placed) in pendingAlone.sorted(by: { $0.key < $1.key }) {
            guard let record = try await appliance.journal.ticket(ticket), record.status != .pending else { continue }
            pendingAlone[ticket] = nil
            if record.status == .declined {
                tally.inPlayDeclined += 1
            } else {
                try checker.accepted(record.bet, atMillis: placed, central: central)
                try checker.acceptedAfterDelay(record.bet, placedAtMillis: placed, central: central)
                tally.inPlayAccepted += 1
            }
        }
    }

    private func payOut() async throws {
        let payable = bets.values.filter { $0.code != nil }.sorted { $0.request.idempotencyKey < $1.request.idempotencyKey }
        guard let bet = payable.randomElement(using: &random), let ticket = bet.ticket, let code = bet.code else { return }
        switch await appliance.service.payout(ticket.description, code: code, by: appliance.staff) {
        case .success(let view):
            guard let record = try await appliance.journal.ticket(ticket) else { return }
            try checker.paidOut(record, amount: view.amount.minorUnits, central: central)
            tally.payouts += 1
        case .failure:
            tally.payoutsRefused += 1
        }
    }

    /// Staff void a ticket a customer asks back, whatever its race has done: a refund after the
    /// off is a free bet, so the appliance must refuse it, whatever its wall clock says.
    private func voidAtTheCounter() async throws {
        let accepted = bets.values.filter { $0.code != nil }.sorted { $0.request.idempotencyKey < $1.request.idempotencyKey }
        guard let ticket = accepted.randomElement(using: &random)?.ticket else { return }
        switch await appliance.service.void(ticket.description, reason: "the customer asked for the stake back", by: appliance.staff) {
        case .success:
            guard let record = try await appliance.journal.ticket(ticket) else { return }
            try checker.voided(record, atMillis: clock.trueMillis, central: central)
            tally.voids += 1
        case .failure:
            tally.voidsRefused += 1
        }
    }

    // MARK: The clock and the power

    /// NTP or a technician: a small step, a large one, or the clock put right.
    private func stepClock() {
        tally.clockSteps += 1
        let magnitude: Int64 = switch Int.random(in: 0..<100, using: &random) {
        case 0..<45: Int64.random(in: 1_000...8_000, using: &random)
        case 45..<70: Int64.random(in: 20_000...3_600_000, using: &random)
        default: 0
        }
        if magnitude == 0 {
            clock.stepWall(byMillis: -clock.wallErrorMillis + Int64.random(in: -2_000...2_000, using: &random))
        } else {
            clock.stepWall(byMillis: Bool.random(using: &random) ? magnitude : -magnitude)
        }
    }

    /// A power cut with the UPS's staged shutdown: the appliance stops (requests waiting on
    /// in-play decisions are told the bet is pending), is down a while, and boots with a clock
    /// that may be right, minutes behind (maybe still after the last record), hours behind (no
    /// battery-backed clock) or ahead; the feed cursor's last
    /// writes may be lost, so items are read again.
    private func reboot() async throws {
        tally.reboots += 1
        await appliance.stop()
        for entry in waiting {
            await entry.task.value
            try await answered(entry.key, entry.answer.withLockedValue { $0 }!, placedAtMillis: entry.placedAtMillis)
        }
        waiting = []
        clock.advance(millis: Int64.random(in: 5...300, using: &random) * 1_000)
        let bootError: Int64 = switch Int.random(in: 0..<100, using: &random) {
        case 0..<40: Int64.random(in: -3_000...3_000, using: &random)
        case 40..<55: -Int64.random(in: 30...600, using: &random) * 1_000
        case 55..<75: -Int64.random(in: 1...24, using: &random) * 3_600_000
        default: Int64.random(in: 1...600, using: &random) * 1_000
        }
        if bootError <= -3_600_000 { tally.bootsBehindLastRecord += 1 }
        clock.boot(wallErrorMillis: bootError, originNanos: Int64.random(in: 1...1_000_000, using: &random) * 1_000_000)
        if Int.random(in: 0..<100, using: &random) < 30 {
            let lost = min(cursor, Int64.random(in: 1...20, using: &random))
            cursor -= lost
            tally.feedItemsReread += Int(lost)
        }
        appliance = try await VenueAppliance.boot(directory: directory, clock: clock, random: &random, logger: Self.logger)
        checker.booted(atMillis: clock.trueMillis, wallErrorMillis: bootError)
    }

    // MARK: Figures

    /// For each offline bet central judged: whether one of its markets' results reached the feed
    /// before its verdict (the order the stale-win attack relies on) or after.
    private func countVerdictOrders() {
        var verdictAt: [TicketID: Int] = [:]
        var resultAt: [MarketID: Int] = [:]
        for (index, item) in central.feed.enumerated() {
            switch item.change {
            case .verdicts(let verdicts):
                for verdict in verdicts { if let ticket = try? TicketID(parsing: verdict.ticketID) { verdictAt[ticket] = index } }
            case .resulted(let result): resultAt[result.marketID] = index
            default: continue
            }
        }
        for (ticket, verdict) in central.verdicts {
            if verdict.decision == .confirmed { tally.verdictsConfirmed += 1 } else { tally.verdictsVoided += 1 }
            guard let at = verdictAt[ticket], let markets = bets.values.first(where: { $0.ticket == ticket })?.request.legs else { continue }
            let results = markets.compactMap { leg in central.board.values.first { $0.selection(SelectionID(rawValue: leg.selectionId)) != nil } }
                .compactMap { resultAt[$0.id] }
            if results.contains(where: { $0 < at }) { tally.resultBeforeVerdict += 1 } else if !results.isEmpty { tally.verdictBeforeResult += 1 }
        }
    }

    private static func name(_ problem: Problem) -> String {
        let type = problem.type.split(separator: "/").last.map(String.init) ?? problem.type
        if let limit = problem.limit { return "\(type) (\(limit.name))" }
        if problem.kind == .marketNotOpen, problem.detail.contains("start") { return "\(type) (event started)" }
        guard problem.kind == .offlineLimit else { return type }
        // The limits without an amount say which they are only in the detail.
        let which = [("clock", "clock"), ("prices", "stale prices"), ("records", "time offline"), ("play", "in play")]
            .first { problem.detail.contains($0.0) }?.1 ?? "other"
        return "\(type) (\(which))"
    }
}
