import Foundation
import Journal
import Logging
import Randomness
import TestSupport
import Wagering

/// The journal as it is on the VM's disk after the last cut, read on the host: the image is
/// copied, e2fsck replays ext4's own journal (as the guest's mount would), debugfs copies the
/// data directory out, and the journal is verified in full and its bets counted by key; the
/// backups are copied out and verified too.
struct JournalAudit {
    var records: Int64
    /// The head record's hash, hex: what central's copy must end with.
    var headHash: String
    var betsByKey: [String: Int]
    var ticketIDs: Set<String>
    /// The backups on the disk: finished ones that verify, half-written ones a cut left (the
    /// next backup removes them), and finished ones that do not verify (never acceptable).
    var backups: (verified: Int, partial: Int, failed: [String])

    static func read(disk: String, into directory: String) async throws -> JournalAudit {
        let copy = directory + "/disk-copy.img"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: disk, toPath: copy)
        // e2fsck exits 1 or 2 when it corrected something (the journal replay); 4 and above
        // mean it could not, which is a failure of the file system, not of Holdfast.
        try Command.run("/bin/sh", ["-c", "/usr/sbin/e2fsck -f -y \"$0\"; [ $? -lt 4 ]", copy])
        let out = directory + "/extracted"
        try? FileManager.default.removeItem(atPath: out)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Command.run("/usr/sbin/debugfs", ["-R", "rdump /holdfast \(out)", copy])
        let backups = try Self.verifyBackups(disk: copy, into: out)
        let data = out + "/holdfast"
        let verified = try JournalMaintenance.verify(directory: data, full: true).get()

        var random = SystemRandom()
        var logger = Logger(label: "power-cut-audit")
        logger.logLevel = .warning
        let limits = BettingLimits(minStakePerLine: 10, maxStakePerBet: 50_000, maxPayoutPerBet: 2_500_000,
                                   maxLiabilityPerSelection: 10_000_000_000, maxLiabilityPerMarket: 10_000_000_000,
                                   terminalDefaults: TerminalLimits(maxStakePerBet: 20_000, maxOpenStake: 10_000_000_000))
        let journal = try await BetJournal.open(JournalConfiguration(directory: data, applianceCode: try ApplianceCode(ApplianceVM.applianceCode),
                                                                     currency: .gbp, limits: limits),
                                                clock: SystemClock(), random: &random, logger: logger)
        var betsByKey: [String: Int] = [:]
        var ticketIDs: Set<String> = []
        var after: Int64 = 0
        while true {
            let page = try await journal.records(after: after, limit: 10_000)
            guard let last = page.last else { break }
            for record in page where record.kind == "bet.placed" {
                let bet = try JSONDecoder().decode(PlacedBet.self, from: Data(record.payload))
                betsByKey[bet.idempotencyKey, default: 0] += 1
                ticketIDs.insert(bet.ticketID.description)
            }
            after = last.seq
        }
        await journal.close()
        return JournalAudit(records: verified.chain.headSeq, headHash: verified.chain.headHash.map { String(format: "%02x", $0) }.joined(),
                            betsByKey: betsByKey, ticketIDs: ticketIDs, backups: backups)
    }

    private static func verifyBackups(disk: String, into directory: String) throws -> (verified: Int, partial: Int, failed: [String]) {
        // debugfs says so on stderr, and exits 0, when there is no /backups (no backup cut yet).
        try Command.run("/usr/sbin/debugfs", ["-R", "rdump /backups \(directory)", disk])
        let root = directory + "/backups"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var verified = 0
        var failed: [String] = []
        for name in names where !name.hasSuffix(".partial") {
            switch try JournalMaintenance.verify(directory: root + "/" + name, full: true) {
            case .success: verified += 1
            case .failure(let failure): failed.append("\(name): \(failure)")
            }
        }
        return (verified, names.filter { $0.hasSuffix(".partial") }.count, failed)
    }
}
