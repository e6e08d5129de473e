import CSimulatedDisk
import Foundation
import Journal
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

        mutating func add(_ other: Tally) {
            commands += other.commands; acknowledged += other.acknowledged; crashes += other.crashes
            inDoubtCommitted += other.inDoubtCommitted; inDoubtLost += other.inDoubtLost
            writesKept += other.writesKept; writesLost += other.writesLost; writesTorn += other.writesTorn
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
            // The cut comes at a seeded operation, sometimes after the epoch's last command.
            holdfast_simdisk_fail_after(Int64.random(in: 1...Int64(Self.commandsPerEpoch * 6), using: &random))
            var inDoubt: JournalCommand?
            for _ in 0..<Self.commandsPerEpoch {
                clock.advance(millis: Int64.random(in: 0...5_000, using: &random))
                let (command, key) = workload.next(using: &random)
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
                            workload.placed.append((request, receipt.bet.ticketID, receipt.securityCode))
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
                case .failure:
                    break // refused by the book's rules: nothing journaled
                }
                if inDoubt != nil { break }
                guard try await journal.headSeq() == head else { throw fail(epoch, "the head moved without an acknowledgement") }
            }
            // Some disks lose nothing unsynced, some much; some tear writes, some never do.
            let lose = loseEverythingUnsynced ? 100 : Int32([0, 10, 30, 60].randomElement(using: &random)!)
            let tear = Int32([0, 0, 20, 40].randomElement(using: &random)!)
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
                                 workload: &workload)
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
                        head: inout Int64, hashes: inout [Int64: [UInt8]], tally: inout Tally, workload: inout Workload) async throws {
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
            if !workload.placed.contains(where: { $0.ticket == receipt.bet.ticketID }) {
                workload.placed.append((request, receipt.bet.ticketID, receipt.securityCode))
            }
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
        let configuration = JournalConfiguration(directory: directory, applianceCode: try ApplianceCode("S1M0"), currency: .gbp,
                                                 limits: Workload.limits, sqliteVFS: "holdfast-simdisk")
        do { return try await BetJournal.open(configuration, clock: clock, random: &random, logger: Self.logger) } catch {
            throw fail(epoch, "the journal does not open after the cut: \(error)")
        }
    }

    private func fail(_ epoch: Int, _ what: String) -> Failure {
        Failure(description: "seed \(seed), epoch \(epoch): \(what)")
    }
}
