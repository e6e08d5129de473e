import Foundation
import Journal
import Logging
import TestSupport
import Wagering

/// The journal as it is on the VM's disk after the last cut, read on the host: the image is
/// copied, e2fsck replays ext4's own journal (as the guest's mount would), debugfs copies the
/// data directory out, and the journal is verified in full and its bets counted by key.
struct JournalAudit {
    var records: Int64
    var betsByKey: [String: Int]

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
        let data = out + "/holdfast"
        let verified = try JournalMaintenance.verify(directory: data, full: true).get()

        var random = SystemRandomNumberGenerator()
        var logger = Logger(label: "power-cut-audit")
        logger.logLevel = .warning
        let limits = BettingLimits(minStakePerLine: 10, maxStakePerBet: 50_000, maxPayoutPerBet: 2_500_000,
                                   maxLiabilityPerSelection: 10_000_000_000, maxLiabilityPerMarket: 10_000_000_000,
                                   terminalDefaults: TerminalLimits(maxStakePerBet: 20_000, maxOpenStake: 10_000_000_000))
        let journal = try await BetJournal.open(JournalConfiguration(directory: data, applianceCode: try ApplianceCode("PWR1"),
                                                                     currency: .gbp, limits: limits),
                                                clock: SystemClock(), random: &random, logger: logger)
        var betsByKey: [String: Int] = [:]
        var after: Int64 = 0
        while true {
            let page = try await journal.records(after: after, limit: 10_000)
            guard let last = page.last else { break }
            for record in page where record.kind == "bet.placed" {
                let bet = try JSONDecoder().decode(PlacedBet.self, from: Data(record.payload))
                betsByKey[bet.idempotencyKey, default: 0] += 1
            }
            after = last.seq
        }
        await journal.close()
        return JournalAudit(records: verified.chain.headSeq, betsByKey: betsByKey)
    }
}
