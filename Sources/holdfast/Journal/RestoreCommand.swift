import Appliance
import ArgumentParser
import Foundation
import Journal
import SyncProtocol
import Uplink

/// `holdfast restore`: rebuilds an appliance's data directory from a local backup, or from
/// central's copy of its journal (the offsite backup).
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore the journal from a backup directory, or from central, into an empty data directory (holdfastd stopped).",
        discussion: "docs/disaster-recovery.md is the runbook.")

    @Option(help: "The backup: a holdfast-<code>-<time>-seq<N> directory that `backup now` or the schedule wrote.")
    var from: String?

    @Flag(help: "Restore from central's copy of this appliance's journal, over the configured uplink.")
    var fromCentral = false

    @Option(help: "With --from-central: the ticket key to keep (ticket.key from a backup or escrow); without it a new key is made.")
    var ticketKey: String?

    @Option(help: "The data directory to create (default: the configuration's appliance.data_dir).")
    var dataDir: String?

    @Option(help: "The configuration holdfastd runs with.")
    var config = "/etc/holdfast/holdfast.yaml"

    func validate() throws {
        guard (from != nil) != fromCentral else { throw ValidationError("give either --from <backup> or --from-central") }
    }

    func run() async throws {
        if let from {
            try restoreBackup(from)
        } else {
            try await restoreFromCentral()
        }
    }

    private func restoreBackup(_ from: String) throws {
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

    private func restoreFromCentral() async throws {
        let settings: ApplianceConfiguration
        do { settings = try ApplianceConfiguration.load(path: config) } catch { throw ValidationError("\(error)") }
        guard let uplink = settings.uplink else { throw ValidationError("\(config) configures no uplink.endpoints: there is no central to restore from") }
        let destination = dataDir ?? settings.dataDirectory
        var journal = JournalConfiguration(directory: destination, applianceCode: settings.applianceCode, currency: settings.currency,
                                           limits: settings.limits)
        journal.maxOpenTickets = settings.journal.maxOpenTickets
        let transport = try HTTPSyncTransport(settings: uplink, appliance: settings.applianceCode.rawValue)
        defer { Task { await transport.shutdown() } }
        let endpoint = uplink.endpoints[0]
        let held = try await transport.highWater(at: endpoint).highWater
        print("central \(endpoint.absoluteString) holds \(settings.applianceCode.rawValue)'s records up to seq \(held.seq); restoring them into \(destination) ...")
        if ticketKey == nil {
            print("note: no --ticket-key: a new key is made, so tickets sold before this restore cannot be checked by security code")
        }
        let verified: JournalMaintenance.Verified
        do {
            verified = try await JournalMaintenance.importRecords(into: journal, ticketKeyFile: ticketKey,
                                                                  progress: { print("  \($0) of \(held.seq) records checked and stored") }) { after in
                try await transport.history(after: after, limit: PushBatch.maxRecords, at: endpoint).records
            }
        } catch {
            print("restore refused: \(error)")
            throw ExitCode(1)
        }
        print("restored and verified: \(verified.chain.recordsChecked) records, chain intact to seq \(verified.chain.headSeq).")
        print("holdfastd continues the journal from seq \(verified.chain.headSeq + 1): central sees the same chain go on.")
    }
}
