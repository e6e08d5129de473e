import Appliance
import Journal
import TerminalProtocol
import Uplink
import Wagering

/// The rules an offline appliance must keep, stated again from the world's side (true time,
/// central's own board and verdicts) rather than from the appliance's: what the simulation
/// checks after every step (issue 24; docs/RELIABILITY.md, "Offline betting simulation").
/// - A bet taken while central's answers were not fresh is taken offline, under the offline terms.
/// - No offline limit is exceeded, measured in true time (the monotonic clock within a boot); a
///   silence that began before a boot may be understated by what the wall clock's error says.
/// - An offline bet's time is within the clock tolerance of the truth (plus, before central has
///   vouched for the clock this boot, the boot clock's own error), so central judges it against
///   the board as it was. A pre-match bet is not taken after its event's start: not at all once
///   central has answered this boot (the appliance then has central's time), else by no more than
///   that bound. (Before central answers after a boot, a clock set wrong but later than the last
///   written time is believed: the known hole in /work/logs/attack-s20.md, finding 1.)
/// - An in-play bet accepted saw no suspension, result or turn of its market during its delay.
/// - No offline ticket is paid before central's verdict is journaled; one central voided is paid
///   back its stake and no more. No staff void refunds a bet after its event's start.
/// - At the end, every offline bet holds central's verdict: nothing central decided is dropped.
struct OfflineChecker {
    struct Violation: Error, CustomStringConvertible {
        var description: String
    }

    private struct Contact {
        /// True time of the send of the last current answer, this boot or before.
        var lastSendMillis: Int64
        var sendThisBoot: Int64?
        var failedSince = false
        /// The largest wall-clock error at any current answer's send: what a contact file
        /// written then can be off by.
        var largestErrorMillis: Int64
    }

    private let tolerance = ClockTrust.toleranceMillis
    private let freshness = OfflineSimulation.freshnessSeconds * 1_000
    private var contacts: [CentralChannel: Contact]
    private var bootErrorMillis: Int64 = 0
    private var bootMillis: Int64
    private var vouchedThisBoot = false
    /// Central answered this boot: the appliance has central's time on its monotonic clock, exact
    /// here (answers take no time), so no pre-match bet may be taken at or after the start.
    private var centralHeardThisBoot = false
    private(set) var offlineTickets: Set<TicketID> = []

    init(startMillis: Int64) {
        contacts = [.records: Contact(lastSendMillis: startMillis, largestErrorMillis: 0),
                    .feed: Contact(lastSendMillis: startMillis, largestErrorMillis: 0)]
        bootMillis = startMillis
    }

    mutating func booted(atMillis now: Int64, wallErrorMillis: Int64) {
        bootMillis = now
        bootErrorMillis = wallErrorMillis
        vouchedThisBoot = false
        centralHeardThisBoot = false
        for channel in contacts.keys {
            contacts[channel]!.sendThisBoot = nil
            contacts[channel]!.failedSince = false
        }
    }

    mutating func answered(_ channel: CentralChannel, sentAtMillis sent: Int64, wallErrorMillis: Int64, current: Bool) {
        if channel == .records {
            centralHeardThisBoot = true
            if abs(wallErrorMillis) <= tolerance { vouchedThisBoot = true }
        }
        guard current else { return }
        contacts[channel]!.lastSendMillis = sent
        contacts[channel]!.sendThisBoot = sent
        contacts[channel]!.failedSince = false
        contacts[channel]!.largestErrorMillis = max(contacts[channel]!.largestErrorMillis, wallErrorMillis)
    }

    mutating func failed(_ channel: CentralChannel) {
        contacts[channel]!.failedSince = true
    }

    private func fresh(_ channel: CentralChannel, at now: Int64) -> Bool {
        guard let contact = contacts[channel], let sent = contact.sendThisBoot, !contact.failedSince else { return false }
        return now - sent <= freshness
    }

    /// How much shorter than the truth the appliance may count a silence that began before this
    /// boot: it reads it off its wall clock, against a contact written by the wall clock then.
    private func allowance(_ channel: CentralChannel) -> Int64 {
        guard let contact = contacts[channel], contact.sendThisBoot == nil else { return 0 }
        return max(0, contact.largestErrorMillis - bootErrorMillis)
    }

    /// How far an accepted bet's wall time may be from the truth.
    private var clockBound: Int64 {
        vouchedThisBoot ? tolerance : tolerance + abs(bootErrorMillis)
    }

    /// A bet was accepted (answered with its ticket, or, for an in-play bet, first recorded).
    mutating func accepted(_ bet: PlacedBet, atMillis now: Int64, central: VenueCentral) throws {
        let online = fresh(.records, at: now) && fresh(.feed, at: now)
        if !online, !bet.isOffline {
            throw Violation(description: "ticket \(bet.ticketID) was taken online \(describe(now)), though central's answers were not fresh")
        }
        if bet.inPlayDelay == nil {
            let bound = centralHeardThisBoot ? 0 : clockBound
            for leg in bet.legs {
                guard let starts = central.board[leg.marketID]?.event.startsAtMillis else { continue }
                if now >= starts + bound {
                    throw Violation(description: "pre-match ticket \(bet.ticketID) was taken \((now - starts) / 1_000) s after its event's start "
                                    + "(bound \(bound / 1_000) s; wall error \(bet.placedAtMillis - now) ms)")
                }
            }
        }
        guard bet.isOffline else { return }
        offlineTickets.insert(bet.ticketID)
        guard bet.verdictRequired == true else { throw Violation(description: "offline ticket \(bet.ticketID) is payable without a verdict") }
        if bet.totalStake.minorUnits > 2_000 {
            throw Violation(description: "offline ticket \(bet.ticketID) staked \(bet.totalStake), over the offline 20.00")
        }
        let recordsSilence = now - contacts[.records]!.lastSendMillis
        if recordsSilence >= Int64(OfflineSimulation.maxOfflineSeconds) * 1_000 + allowance(.records) {
            throw Violation(description: "offline ticket \(bet.ticketID) taken \(recordsSilence / 1_000) s after central last held the records "
                            + "(limit \(OfflineSimulation.maxOfflineSeconds) s, allowance \(allowance(.records)) ms)")
        }
        let priceAge = now - contacts[.feed]!.lastSendMillis
        if priceAge >= Int64(OfflineSimulation.priceMaxAgeSeconds) * 1_000 + allowance(.feed) {
            throw Violation(description: "offline ticket \(bet.ticketID) taken on prices \(priceAge / 1_000) s old "
                            + "(limit \(OfflineSimulation.priceMaxAgeSeconds) s, allowance \(allowance(.feed)) ms)")
        }
        let error = bet.placedAtMillis - now
        if abs(error) > clockBound {
            throw Violation(description: "offline ticket \(bet.ticketID) is timed \(error) ms off the truth; central judges it against the "
                            + "wrong board (bound \(clockBound) ms, \(vouchedThisBoot ? "clock vouched by central this boot" : "boot clock error \(bootErrorMillis) ms"))")
        }
    }

    /// An in-play bet's decision came out accepted: central changed none of its markets while it waited.
    func acceptedAfterDelay(_ bet: PlacedBet, placedAtMillis placed: Int64, central: VenueCentral) throws {
        guard let delay = bet.inPlayDelay else { return }
        let windowEnd = placed + Int64(delay.seconds) * 1_000
        let markets = Set(bet.legs.map(\.marketID))
        for (at, change) in central.timeline where at >= placed && at <= windowEnd {
            let market: MarketID? = switch change {
            case .statusChanged(let market, let status, let inPlay) where status != .open || inPlay == false: market
            case .resulted(let result): result.marketID
            default: nil
            }
            guard let market, markets.contains(market) else { continue }
            throw Violation(description: "in-play ticket \(bet.ticketID) was accepted though central changed market \(market) "
                            + "\((at - placed) / 1_000) s into its \(delay.seconds) s delay: \(change.kind)")
        }
    }

    /// A staff void was made: before every leg's event started (exactly, once central's time is
    /// known this boot; else within the clock bound).
    func voided(_ record: TicketRecord, atMillis now: Int64, central: VenueCentral) throws {
        let bound = centralHeardThisBoot ? 0 : clockBound
        for leg in record.bet.legs {
            guard let starts = central.board[leg.marketID]?.event.startsAtMillis, now >= starts + bound else { continue }
            throw Violation(description: "ticket \(record.bet.ticketID) was voided for its stake \((now - starts) / 1_000) s after its event's start "
                            + "(bound \(bound / 1_000) s)")
        }
    }

    /// A payout was made. A refund of the stake at most (a staff void's, a void verdict's) is
    /// never the venue's loss; anything above it is a win, payable on an offline ticket only
    /// once central's verdict confirming it is journaled.
    func paidOut(_ record: TicketRecord, amount: Int64, central: VenueCentral) throws {
        let ticket = record.bet.ticketID
        guard record.bet.isOffline, amount > record.bet.totalStake.minorUnits else { return }
        guard let verdict = central.verdicts[ticket], record.verdict == verdict.decision.rawValue else {
            throw Violation(description: "offline ticket \(ticket) was paid \(amount) with the appliance's verdict \(record.verdict ?? "none") "
                            + "and central's \(central.verdicts[ticket]?.decision.rawValue ?? "not yet decided")")
        }
        if verdict.decision == .voided {
            throw Violation(description: "offline ticket \(ticket) was paid \(amount) though central voided it (stake \(record.bet.totalStake))")
        }
    }

    /// After the link has stayed up to the end: every offline ticket carries central's verdict,
    /// and one central voided is owed, or was paid, its stake.
    func settled(_ journal: BetJournal, central: VenueCentral) async throws {
        for ticket in offlineTickets.sorted() {
            guard let record = try await journal.ticket(ticket) else { throw Violation(description: "offline ticket \(ticket) vanished") }
            guard let verdict = central.verdicts[ticket] else { throw Violation(description: "central never judged offline ticket \(ticket)") }
            guard record.verdict == verdict.decision.rawValue else {
                throw Violation(description: "offline ticket \(ticket) holds verdict \(record.verdict ?? "none"), central's is \(verdict.decision.rawValue)")
            }
            if verdict.decision == .voided, !(record.status == .voided || record.status == .paid) || record.amount != record.bet.totalStake.minorUnits {
                throw Violation(description: "offline ticket \(ticket) voided by central ends \(record.status) owed \(record.amount)")
            }
        }
    }

    private func describe(_ now: Int64) -> String {
        let records = contacts[.records]!, feed = contacts[.feed]!
        return "(records last current \(records.sendThisBoot.map { "\(now - $0) ms" } ?? "never this boot")\(records.failedSince ? ", failed since" : ""); "
            + "feed \(feed.sendThisBoot.map { "\(now - $0) ms" } ?? "never this boot")\(feed.failedSince ? ", failed since" : ""))"
    }
}
