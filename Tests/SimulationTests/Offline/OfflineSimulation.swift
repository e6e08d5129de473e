import Foundation
import Journal
import Logging
import TestSupport

/// One seed of the offline betting simulation (issue 24): a venue appliance (the real service,
/// journal, feed applier, connectivity tracker, clock trust and in-play decider) against a
/// central deciding verdicts by its own rules, in true time, with the adversaries of a venue:
/// a WAN that is cut and restored, answers lost, results published while the appliance cannot
/// hear them (so results and verdicts arrive in every order), feed items delivered again after a
/// lost cursor, wall-clock steps back and forward, reboots with a wrong clock, pre-match markets
/// central forgets to close at the off, and in-play markets suspended inside bets' delays.
/// ``OfflineChecker`` states the rules it must keep; they are checked after every step, and the
/// offline verdicts and the chain once the link has come back for good.
struct OfflineSimulation {
    static let freshnessSeconds: Int64 = 10
    static let maxOfflineSeconds = 300
    static let priceMaxAgeSeconds = 200
    static let steps = 300

    struct Tally {
        var steps = 0
        var reboots = 0
        var bootsBehindLastRecord = 0
        var clockSteps = 0
        var linkCuts = 0
        var answersLost = 0
        var feedItemsReread = 0
        var betsOnline = 0
        var betsOffline = 0
        var inPlayAccepted = 0
        var inPlayDeclined = 0
        var refusals: [String: Int] = [:]
        var verdictsConfirmed = 0
        var verdictsVoided = 0
        var resultBeforeVerdict = 0
        var verdictBeforeResult = 0
        var payouts = 0
        var payoutsRefused = 0
        var startsForgotten = 0
        var voids = 0
        var voidsRefused = 0

        mutating func add(_ other: Tally) {
            steps += other.steps; reboots += other.reboots; bootsBehindLastRecord += other.bootsBehindLastRecord
            clockSteps += other.clockSteps; linkCuts += other.linkCuts; answersLost += other.answersLost
            feedItemsReread += other.feedItemsReread; betsOnline += other.betsOnline; betsOffline += other.betsOffline
            inPlayAccepted += other.inPlayAccepted; inPlayDeclined += other.inPlayDeclined
            refusals.merge(other.refusals, uniquingKeysWith: +)
            verdictsConfirmed += other.verdictsConfirmed; verdictsVoided += other.verdictsVoided
            resultBeforeVerdict += other.resultBeforeVerdict; verdictBeforeResult += other.verdictBeforeResult
            payouts += other.payouts; payoutsRefused += other.payoutsRefused; startsForgotten += other.startsForgotten
            voids += other.voids; voidsRefused += other.voidsRefused
        }

        var summary: String {
            let refused = refusals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "\(steps) steps, \(reboots) reboots (\(bootsBehindLastRecord) with the clock an hour or more behind), \(clockSteps) clock steps, "
                + "\(linkCuts) WAN cuts, \(answersLost) answers lost, \(feedItemsReread) feed items read twice, \(startsForgotten) starts central "
                + "forgot to close; bets taken online \(betsOnline), "
                + "offline \(betsOffline), in play accepted \(inPlayAccepted) / declined \(inPlayDeclined); verdicts confirmed \(verdictsConfirmed) / "
                + "voided \(verdictsVoided) (result first \(resultBeforeVerdict), verdict first \(verdictBeforeResult)); payouts \(payouts), "
                + "refused \(payoutsRefused); staff voids \(voids), refused \(voidsRefused); bets refused: \(refused)"
        }
    }

    let seed: UInt64
    let directory: String

    func run() async throws -> Tally {
        let world = try await OfflineWorld(seed: seed, directory: directory)
        do {
            for _ in 0..<Self.steps { try await world.step() }
            try await world.settle()
        } catch let violation as OfflineChecker.Violation {
            await world.stop()
            throw JournalSimulation.Failure(description: "offline seed \(seed), step \(world.tally.steps): \(violation)")
        }
        await world.stop()
        let verified = try JournalMaintenance.verify(directory: directory, full: true)
        guard case .success = verified else {
            throw JournalSimulation.Failure(description: "offline seed \(seed): the journal does not verify at the end: \(verified)")
        }
        return world.tally
    }
}
