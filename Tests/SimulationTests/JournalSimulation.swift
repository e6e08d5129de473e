import CSimulatedDisk
import Foundation
@testable import Journal
import Logging
import TestSupport
import Wagering

/// One seed of the journal simulation: epochs of seeded commands on a journal opened through the
/// crash-injecting disk, each ended by a power cut at a seeded I/O operation that loses, tears or
/// keeps each unsynced write; then the journal is opened again from what the disk kept.
///
/// Checked after every command: the head is the last acknowledged record. After every reopen:
/// every acknowledged record is there with the same hash, the one command in doubt (failed by the
/// cut) is there at most once, a retried bet answers its original ticket, the chain verifies in
/// full with the derived state replayed.
struct JournalSimulation {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Tally {
        var commands = 0
        var acknowledged = 0
        var crashes = 0
        var inDoubtCommitted = 0
        var inDoubtLost = 0
        var writesKept = 0
        var writesLost = 0
        var writesTorn = 0
        var offlineTaken = 0
        var offlineRefused = 0
        /// Times the WAL started again after the checkpointer's rounds and the writer's top-ups.
        var walRestarts = 0

        mutating func add(_ other: Tally) {
            commands += other.commands; acknowledged += other.acknowledged; crashes += other.crashes
            inDoubtCommitted += other.inDoubtCommitted; inDoubtLost += other.inDoubtLost
            writesKept += other.writesKept; writesLost += other.writesLost; writesTorn += other.writesTorn
            offlineTaken += other.offlineTaken; offlineRefused += other.offlineRefused; walRestarts += other.walRestarts
        }
    }

    static let epochs = 3
    static let commandsPerEpoch = 40
    let seed: UInt64
    let directory: String
    /// Every unsynced write is lost at a cut (the check that the checks can fail, with a disk
    /// that lies about syncs).
    var loseEverythingUnsynced = false

    /// Silent: every cut makes the journal log, at critical, that it cannot write.
    private static let logger = Logger(label: "holdfast.simulation") { _ in SwiftLogNoOpLogHandler() }

    func run() async throws -> Tally {
        var random = SplitMix64(seed: seed)
        var tally = Tally()
        var workload = Workload()
        let clock = SimulatedClock()
        var hashes: [Int64: [UInt8]] = [:]
        var head: Int64 = 0
        var offline = OfflineModel()
        for epoch in 0..<Self.epochs {
            holdfast_simdisk_reset()
            let journal = try await open(clock: clock, random: &random, epoch: epoch)
            // Everything acknowledged before the cut survived it, unaltered.
            let reopenedHead = try await journal.headSeq()
            guard reopenedHead >= head else { throw fail(epoch, "head \(reopenedHead) after the cut, but \(head) was acknowledged") }
            for (seq, hash) in hashes {
                guard try await journal.hash(of: seq) == hash else { throw fail(epoch, "acknowledged record \(seq) changed or vanished across the cut") }
            }
            head = reopenedHead
            try offline.checkRebuilt(journal.offline.totals, fail: { fail(epoch, $0) })
            // Half the epochs run offline, under limits drawn from the seed.
            workload.offline = Bool.random(using: &random)
                ? OfflineTerms(maxStakePerBet: 1_000_000, maxLiability: Int64.random(in: 0...200_000, using: &random),
                               maxBets: Int.random(in: 0...30, using: &random))
                : nil
            // The cut comes at a seeded operation, sometimes after the epoch's last command.
            holdfast_simdisk_fail_after(Int64.random(in: 1...Int64(Self.commandsPerEpoch * 6), using: &random))
            var inDoubt: JournalCommand?
            for _ in 0..<Self.commandsPerEpoch {
                clock.advance(millis: Int64.random(in: 0...5_000, using: &random))
                let (command, key) = workload.next(using: &random)
                var admittedUnder: OfflineTerms?
                tally.commands += 1
                switch await Self.submit(command, to: journal) {
                case .success(let outcome):
                    let seq: Int64
                    switch outcome {
                    case .placed(let receipt):
                        seq = receipt.seq
                        if receipt.isReplay {
                            guard workload.placed.contains(where: { $0.request.idempotencyKey == key && $0.ticket == receipt.bet.ticketID }) else {
                                throw fail(epoch, "a retry of \(key ?? "?") answered a ticket it never placed")
                            }
                        } else if case .place(let request) = command {
                            guard let code = receipt.securityCode else { throw fail(epoch, "ticket \(receipt.bet.ticketID) came without its code") }
                            workload.placed.append((request, receipt.bet.ticketID, code))
                            if receipt.bet.isOffline {
                                offline.taken(receipt.bet, seq: receipt.seq)
                                admittedUnder = request.offline
                                tally.offlineTaken += 1
                            }
                        }
                    case .journaled(let fact): seq = fact.seq
                    }
                    if seq > head {
                        guard seq == head + 1 else { throw fail(epoch, "record \(seq) acknowledged after head \(head)") }
                        head = seq
                        hashes[seq] = try await journal.hash(of: seq)
                        tally.acknowledged += 1
                    }
                case .failure(.storage) where holdfast_simdisk_frozen() != 0:
                    inDoubt = command
                case .failure(.storage(let reason)):
                    throw fail(epoch, "a write failed with the disk still up: \(reason)")
                case .failure(.refused(.offline)):
                    tally.offlineRefused += 1
                case .failure:
                    break // refused by the book's rules: nothing journaled
                }
                if inDoubt != nil { break }
                guard try await journal.headSeq() == head else { throw fail(epoch, "the head moved without an acknowledgement") }
                // Central answers now and then, acknowledging everything up to some record.
                if Int.random(in: 0..<100, using: &random) < 15 {
                    let through = Int64.random(in: 0...head, using: &random)
                    journal.offline.acknowledge(through: through)
                    offline.acknowledged(through: through)
                }
                // Limits bind when a bet is admitted (a bet taken under looser ones still counts).
                try offline.check(journal.offline.totals, admittedUnder: admittedUnder, fail: { fail(epoch, $0) })
            }
            // Some disks lose nothing unsynced, some much; some tear writes, some never do.
            let lose = loseEverythingUnsynced ? 100 : Int32([0, 10, 30, 60].randomElement(using: &random)!)
            let tear = Int32([0, 0, 20, 40].randomElement(using: &random)!)
            tally.walRestarts += journal.checkpointer.restarts
            let report = holdfast_simdisk_crash(random.next(), lose, tear)
            guard report.lost >= 0 else { throw fail(epoch, "the simulated disk could not rewrite a file") }
            tally.crashes += 1
            tally.writesKept += Int(report.kept)
            tally.writesLost += Int(report.lost)
            tally.writesTorn += Int(report.torn)
            await journal.close()
            try? FileManager.default.removeItem(atPath: directory + "/journal.sqlite-shm")
            if let inDoubt {
                try await settle(inDoubt, clock: clock, random: &random, epoch: epoch, head: &head, hashes: &hashes, tally: &tally,
                                 workload: &workload, offline: &offline)
            }
        }
        holdfast_simdisk_reset()
        let verified = try JournalMaintenance.verify(directory: directory, full: true)
        guard case .success(let report) = verified, report.chain.headSeq >= head else {
            throw fail(Self.epochs, "the journal does not verify at the end: \(verified)")
        }
        return tally
    }

    /// The command a cut failed may or may not be on disk: reopen and look. At most one record.
    private func settle(_ command: JournalCommand, clock: SimulatedClock, random: inout SplitMix64, epoch: Int,
                        head: inout Int64, hashes: inout [Int64: [UInt8]], tally: inout Tally, workload: inout Workload,
                        offline: inout OfflineModel) async throws {
        holdfast_simdisk_reset()
        let journal = try await open(clock: clock, random: &random, epoch: epoch)
        let now = try await journal.headSeq()
        guard now == head || now == head + 1 else { throw fail(epoch, "head \(now) after a cut with \(head) acknowledged and one command in doubt") }
        if now == head + 1 { tally.inDoubtCommitted += 1 } else { tally.inDoubtLost += 1 }
        if case .place(let request) = command {
            // The terminal retries with the same key: one bet, whichever way the cut fell.
            guard case .success(.placed(let receipt)) = await Self.submit(.place(request), to: journal) else {
                throw fail(epoch, "the retry of the bet in doubt was refused")
            }
            guard receipt.isReplay == (now == head + 1) else {
                throw fail(epoch, "the retry of a bet \(now == head + 1 ? "on disk made a second bet" : "not on disk answered a replay")")
            }
            // The ticket key never changes here, so every answer, retries included, has the code.
            guard let code = receipt.securityCode else { throw fail(epoch, "the retry of ticket \(receipt.bet.ticketID) came without its code") }
            if !workload.placed.contains(where: { $0.ticket == receipt.bet.ticketID }) {
                workload.placed.append((request, receipt.bet.ticketID, code))
            }
            if receipt.bet.isOffline { offline.taken(receipt.bet, seq: receipt.seq) }
        }
        let settled = try await journal.headSeq()
        if settled > head {
            for seq in (head + 1)...settled { hashes[seq] = try await journal.hash(of: seq) }
            head = settled
        }
        await journal.close()
    }

    private static func submit(_ command: JournalCommand, to journal: BetJournal) async -> Result<CommandOutcome, JournalError> {
        do { return .success(try await journal.submit(command)) } catch { return .failure(error) }
    }

    private func open(clock: SimulatedClock, random: inout SplitMix64, epoch: Int) async throws -> BetJournal {
        // Idempotency runs of 1 to 5 placements, changing from epoch to epoch, so cuts land while
        // runs are written and reopens find runs half written.
        let runLength = 1 + Int((seed &+ UInt64(epoch)) % 5)
        // A short WAL threshold (4 to 63 pages), so cuts also land in the checkpointer's rounds
        // and the writer's top-ups, on their own connection and between batches.
        let walThreshold = 4 + Int((seed &+ UInt64(epoch) &* 7) % 60)
        let configuration = JournalConfiguration(directory: directory, applianceCode: try ApplianceCode("S1M0"), currency: .gbp,
                                                 limits: Workload.limits, idempotencyRunLength: runLength,
                                                 walCheckpointFrames: walThreshold, sqliteVFS: "holdfast-simdisk")
        do { return try await BetJournal.open(configuration, clock: clock, random: &random, logger: Self.logger) } catch {
            throw fail(epoch, "the journal does not open after the cut: \(error)")
        }
    }

    private func fail(_ epoch: Int, _ what: String) -> Failure {
        Failure(description: "seed \(seed), epoch \(epoch): \(what)")
    }
}

/// What the offline ledger must hold, kept beside it: the offline bets on disk that central has
/// not acknowledged. After a reopen the ledger only knows the last acknowledgement that retired a
/// bet (written down then), so it may count a few more, never fewer.
struct OfflineModel {
    private var pending: [Int64: Int64] = [:]
    private var acknowledgedThrough: Int64 = 0
    private var lastRetiringAcknowledgement: Int64 = 0
    private var all: [Int64: Int64] = [:]

    mutating func taken(_ bet: PlacedBet, seq: Int64) {
        let liability = max(0, bet.potentialReturn.minorUnits - bet.totalStake.minorUnits)
        all[seq] = liability
        if seq > acknowledgedThrough { pending[seq] = liability }
    }

    mutating func acknowledged(through seq: Int64) {
        guard seq > acknowledgedThrough else { return }
        acknowledgedThrough = seq
        let retired = pending.keys.filter { $0 <= seq }
        if !retired.isEmpty { lastRetiringAcknowledgement = seq }
        for key in retired { pending[key] = nil }
    }

    /// While running: the ledger's totals are exactly the model's, and within the terms a bet
    /// was just admitted under.
    func check(_ totals: OfflineLedger.Totals, admittedUnder terms: OfflineTerms?, fail: (String) -> JournalSimulation.Failure) throws {
        let liability = pending.values.reduce(0, +)
        guard totals.bets == pending.count, totals.liability == liability else {
            throw fail("offline ledger holds \(totals.bets) bets / \(totals.liability), the model \(pending.count) / \(liability)")
        }
        if let terms, totals.bets > terms.maxBets || totals.liability > terms.maxLiability {
            throw fail("offline limits exceeded: \(totals.bets) bets / \(totals.liability) against \(terms.maxBets) / \(terms.maxLiability)")
        }
    }

    /// After a reopen the ledger is rebuilt from the journal and the written-down acknowledgement;
    /// the model takes the same view from then on.
    mutating func checkRebuilt(_ totals: OfflineLedger.Totals, fail: (String) -> JournalSimulation.Failure) throws {
        acknowledgedThrough = lastRetiringAcknowledgement
        pending = all.filter { $0.key > lastRetiringAcknowledgement }
        try check(totals, admittedUnder: nil, fail: fail)
    }
}

