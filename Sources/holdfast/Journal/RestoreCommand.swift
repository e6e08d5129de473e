import Appliance
import ArgumentParser
import Journal

/// `holdfast restore`: rebuilds an appliance's data directory from a local backup.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore the journal from a backup directory into an empty data directory (holdfastd stopped).",
        discussion: "docs/disaster-recovery.md is the runbook.")

    @Option(help: "The backup: a holdfast-<code>-<time>-seq<N> directory that `backup now` or the schedule wrote.")
    var from: String

    @Option(help: "The data directory to create (default: the configuration's appliance.data_dir).")
    var dataDir: String?

    @Option(help: "The configuration holdfastd runs with.")
    var config = "/etc/holdfast/holdfast.yaml"

    func run() throws {
        let destination: String
        if let dataDir { destination = dataDir } else {
            do { destination = try ApplianceConfiguration.load(path: config).dataDirectory } catch { throw ValidationError("\(error)") }
        }
        print("verifying \(from) and restoring it into \(destination) ...")
        let verified: JournalMaintenance.Verified
        do { verified = try JournalMaintenance.restore(from: from, into: destination) } catch {
            print("restore refused: \(error)")
            throw ExitCode(1)
        }
        print("restored and verified: \(verified.chain.recordsChecked) records, chain intact to seq \(verified.chain.headSeq).")
        print("holdfastd continues the journal from seq \(verified.chain.headSeq + 1); bets after the backup are only where central holds them.")
    }
}
