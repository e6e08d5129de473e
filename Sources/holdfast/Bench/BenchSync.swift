import Appliance
import ArgumentParser
import Central
import Foundation
import Journal
import Logging
import PostgresNIO
import Randomness
import Synchronization
import SyncProtocol
import Uplink
import Wagering

/// `holdfast bench sync`: catch-up of a journal of offline bets into PostgreSQL through
/// holdfast-central, against a plain batched INSERT of the same rows into the same database in
/// the same run; then the off-box recovery point while online (docs/BENCHMARKS.md).
/// scripts/bench-sync starts the private PostgreSQL and central it needs.
struct BenchSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync catch-up through holdfast-central vs a plain batched INSERT, and ack-to-central latency online.",
        discussion: "Run through scripts/bench-sync, which starts PostgreSQL and holdfast-central and passes these options."
    )

    @Option(help: "Central's endpoint, https://host:port.") var central: String
    @Option(help: "Central's PostgreSQL URL (for the baseline, and to reset this appliance's copy).") var database: String
    @Option(help: "The appliance's client certificate (PEM), enrolled at central.") var certificate: String
    @Option(help: "Its private key (PEM).") var key: String
    @Option(name: .customLong("central-ca"), help: "The CA central's certificate chains to (PEM).") var centralCA: String
    @Option(help: "The appliance code the certificate is enrolled as.") var appliance = "BNCH"
    @Option(help: "The venue the appliance is enrolled at.") var venue = "bench"
    @Option(help: "Offline bets to catch up.") var bets = 100_000
    @Option(help: "Records per push (at most \(PushBatch.maxRecords)).") var batchSize = PushBatch.maxRecords
    @Option(help: "Seconds of online betting for the recovery-point figure.") var onlineSeconds = 10
    @Option(help: "Bets per second while measuring the recovery point.") var onlineRate = 200
    @Option(help: "Scratch directory for the journal.") var directory = "var/bench"

    func run() async throws {
        guard let endpoint = URL(string: central), endpoint.scheme == "https" else { throw ValidationError("--central must be https://host:port") }
        guard (1...PushBatch.maxRecords).contains(batchSize) else { throw ValidationError("--batch-size must be 1-\(PushBatch.maxRecords)") }
        #if DEBUG
        print("note: this is a debug build; record figures from a release build (scripts/bench-sync builds one)")
        #endif
        let address: DatabaseAddress
        do { address = try DatabaseAddress(url: database) } catch { throw ValidationError(error.description) }
        let journalDirectory = directory + "/sync-journal"
        try? FileManager.default.removeItem(atPath: journalDirectory)
        try FileManager.default.createDirectory(atPath: journalDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: journalDirectory) }

        let logger = BenchBook.quietLogger
        let postgres = PostgresClient(configuration: address.configuration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await postgres.run() }
            defer { group.cancelAll() }
            try await measure(endpoint: endpoint, postgres: postgres, journalDirectory: journalDirectory, logger: logger)
        }
    }

    private func measure(endpoint: URL, postgres: PostgresClient, journalDirectory: String, logger: Logger) async throws {
        print("holdfast bench sync: \(bets) offline bets, batches of \(batchSize), central \(endpoint.absoluteString)")
        printProgress("resetting central's copy of \(appliance)")
        try await SyncBaseline.resetAppliance(appliance, postgres: postgres, logger: logger)

        var random = SystemRandom()
        let journal = try await BetJournal.open(try BenchBook.configuration(directory: journalDirectory, code: appliance),
                                                clock: SystemClock(), random: &random, logger: logger)
        try await BenchBook.publishBoard(journal)
        // Central publishes the same board, so its verdicts on the offline bets are real checks.
        let store = CentralStore(client: postgres, logger: logger)
        for market in journal.board().markets.values {
            try await store.publish(.marketPublished(market), venue: venue)
        }
        try await fill(journal)
        let head = try await journal.headSeq()

        let progress = HighWaterLog()
        let settings = UplinkSettings(endpoints: [endpoint], certificateFile: certificate, keyFile: key, centralCAFile: centralCA,
                                      batchSize: batchSize, requestTimeout: .seconds(60), idleCheckInterval: .seconds(1))
        let uplink = UplinkService(settings: settings, appliance: appliance, source: JournalSyncSource(journal: journal),
                                   transport: try HTTPSyncTransport(settings: settings, appliance: appliance),
                                   clock: UplinkSystemClock(clock: SystemClock()), logger: logger, onHighWater: { head, _ in progress.reached(head.seq) })
        printProgress("catching up \(head) records through holdfast-central")
        let started = ContinuousClock.now
        let running = Task { try await uplink.run() }
        await progress.wait(for: head) { printProgress("  central holds \($0) of \(head)") }
        let catchUpSeconds = (ContinuousClock.now - started) / .seconds(1)
        let verdicts = try await SyncBaseline.verdictCount(appliance, postgres: postgres, logger: logger)
        print("catch-up through central: \(verdicts) verdicts on offline bets, \(head) records in \(formatTwoDecimals(catchUpSeconds)) s, \(formatRate(Double(head) / catchUpSeconds)) records/s")

        let recovery = try await onlineRecoveryPoint(journal, progress: progress)
        running.cancel()
        _ = try? await running.value

        printProgress("baseline: plain batched INSERT of the same \(head) rows into the same PostgreSQL")
        let records = try await journal.records(after: 0, limit: Int(head))
        await journal.close()
        let insertSeconds = try await SyncBaseline.plainInsert(records, batchSize: batchSize, postgres: postgres, logger: logger) / .seconds(1)
        print("baseline plain INSERT: \(records.count) rows in \(formatTwoDecimals(insertSeconds)) s, \(formatRate(Double(records.count) / insertSeconds)) rows/s")
        let ratio = catchUpSeconds / insertSeconds
        print("online: \(recovery.count) bets at \(onlineRate)/s, bet acknowledged -> central durable: p50 \(formatTwoDecimals(recovery.quantileMillis(0.5))) ms, p99 \(formatTwoDecimals(recovery.quantileMillis(0.99))) ms")
        print("catchup_100k_s=\(formatTwoDecimals(catchUpSeconds)) vs_insert_ratio=\(formatTwoDecimals(ratio)) rpo_p99_ms=\(formatTwoDecimals(recovery.quantileMillis(0.99)))")
    }

    /// Journals the offline bets as fast as the journal takes them (64 submitters).
    private func fill(_ journal: BetJournal) async throws {
        let submitters = 64
        let target = bets
        let perSubmitter = (target + submitters - 1) / submitters
        let placed = PlacedCounter()
        printProgress("journaling \(bets) bets")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for submitter in 0..<submitters {
                group.addTask {
                    for count in 0..<perSubmitter where submitter * perSubmitter + count < target {
                        var bet = try BenchBook.bet(submitter: submitter, count: count)
                        bet.offline = BenchBook.unlimitedOffline
                        _ = try await journal.place(bet)
                        let total = placed.increment()
                        if total % 20_000 == 0 { printProgress("  \(total) bets journaled") }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Places bets at a steady rate with the uplink running; for each, the time from its
    /// acknowledgement to central's high-water mark covering it.
    private func onlineRecoveryPoint(_ journal: BetJournal, progress: HighWaterLog) async throws -> LatencySample {
        printProgress("online: \(onlineRate) bets/s for \(onlineSeconds) s")
        let interval = Duration.nanoseconds(1_000_000_000 / max(1, onlineRate))
        var next = ContinuousClock.now
        var count = 0
        let end = next + .seconds(onlineSeconds)
        while next < end {
            try await Task.sleep(until: next)
            let receipt = try await journal.place(try BenchBook.bet(submitter: 1_000, count: count))
            progress.acknowledged(receipt.seq, at: .now)
            count += 1
            next += interval
        }
        await progress.wait(for: try await journal.headSeq()) { _ in }
        return progress.recoveryPoints
    }
}

private final class PlacedCounter: Sendable {
    private let count = Atomic<Int>(0)

    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
}
