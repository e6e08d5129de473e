import ArgumentParser
import Foundation
import Journal
import Logging
import Randomness
import Wagering

/// `holdfast bench journal`: bets/s and ack latency of the journal with K concurrent submitters,
/// against raw SQLite on the same disk in the same run (docs/BENCHMARKS.md).
struct BenchJournal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Journal throughput and ack latency vs one-transaction-per-row and batched SQLite inserts."
    )

    @Option(help: "Scratch directory on the disk to measure (emptied of benchmark files afterwards).")
    var directory = "var/bench"

    @Option(help: "Seconds per measured run.")
    var seconds = 3.0

    @Option(help: "Comma-separated numbers of concurrent submitters (K).")
    var submitters = "1,8,64"

    @Option(name: .customLong("commit-delay-us"), help: "The journal's group-commit delay, in microseconds.")
    var commitDelayMicroseconds = 0

    func run() async throws {
        let counts = submitters.split(separator: ",").compactMap { Int($0) }
        guard !counts.isEmpty, counts.allSatisfy({ $0 > 0 && $0 <= 1_024 }) else {
            throw ValidationError("--submitters must list numbers from 1 to 1024, e.g. 1,8,64")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let duration = Duration.milliseconds(Int64(seconds * 1_000))
        #if DEBUG
        print("note: this is a debug build; record figures from `swift run -c release holdfast bench journal`")
        #endif
        print("holdfast bench journal: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, directory \(directory), \(seconds) s per run")

        var journalRuns: [Int: JournalLoad.Figures] = [:]
        var payload = Data()
        for count in counts {
            printProgress("journal with \(count) submitters")
            let figures = try await JournalLoad(directory: directory + "/journal-\(count)", submitters: count,
                                                commitDelay: .microseconds(commitDelayMicroseconds)).run(for: duration)
            journalRuns[count] = figures
            payload = figures.samplePayload
        }
        let baselines = SQLiteBaselines(directory: directory, payload: payload)
        printProgress("SQLite one transaction per row, synchronous=FULL")
        let oneRow = try baselines.oneRowPerTransaction(synchronous: "FULL", duration: duration)
        printProgress("SQLite one transaction per row, synchronous=NORMAL (no fsync per commit)")
        let oneRowNoSync = try baselines.oneRowPerTransaction(synchronous: "NORMAL", duration: duration)
        print("baseline one_tx_per_row synchronous=FULL:   \(oneRow.summary)")
        let fsyncCost = oneRowNoSync.perSecond / oneRow.perSecond
        print("baseline one_tx_per_row synchronous=NORMAL: \(oneRowNoSync.summary); FULL/NORMAL time ratio \(formatTwoDecimals(fsyncCost))"
              + (fsyncCost >= 1.5 ? ": FULL is fsync-bound" : ": not clearly fsync-bound in this run (noisy disk?)"))
        print("payload \(payload.count) bytes per record")

        var lastRatio = 0.0
        for count in counts {
            printProgress("SQLite batched inserts, \(count) rows per transaction")
            let batched = try baselines.batched(count, duration: duration)
            let journal = journalRuns[count]!.run
            lastRatio = journal.perSecond / batched.perSecond
            let written = journalRuns[count]!.bytesWrittenPerBet.map { ", \(formatRate($0)) bytes written per bet" } ?? ""
            print("K=\(count): journal \(journal.summary)\(written) | batched(\(count)) \(formatRate(batched.perSecond)) rows/s"
                  + " | journal/one_tx_per_row \(formatTwoDecimals(journal.perSecond / oneRow.perSecond))x"
                  + " | journal/batched \(formatTwoDecimals(lastRatio))")
        }
        if counts.last != 64 { print("(the summary line below is for K=\(counts.last!), not 64)") }
        print("journal_vs_batched_ratio=\(formatTwoDecimals(lastRatio))")
    }
}

/// K submitters placing single bets on a board of 50 markets as fast as acknowledgements come.
struct JournalLoad {
    let directory: String
    let submitters: Int
    let commitDelay: Duration
    var workload = Workload.singles

    enum Workload {
        /// Unique singles at the board's prices: the journal's path with the least work per bet.
        case singles
        /// `holdfast bench api`'s bets (`SlipMix`), retries included, so the API's figures can be
        /// set against the same bets without HTTP, JSON or signatures. Only new bets are counted.
        case apiMix
    }

    struct Figures {
        var run: RunFigures
        /// WAL and checkpoint writes during the run, per bet placed.
        var bytesWrittenPerBet: Double?
        /// This process's CPU time (submitters and journal) per bet placed, in seconds.
        var cpuPerBet: Double
        /// A `bet.placed` payload, so the baselines insert rows of the same size.
        var samplePayload: Data
    }

    func run(for duration: Duration) async throws -> Figures {
        try? FileManager.default.removeItem(atPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var random = SystemRandom()
        let journal = try await BetJournal.open(try BenchBook.configuration(directory: directory, commitDelay: commitDelay),
                                                clock: SystemClock(), random: &random, logger: BenchBook.quietLogger)
        try await BenchBook.publishBoard(journal)
        let clock = ContinuousClock()
        let writtenBefore = processBytesWritten()
        let cpuBefore = cpuSeconds(of: getpid())
        let started = clock.now
        let deadline = started + duration
        let samples = try await withThrowingTaskGroup(of: LatencySample.self) { group in
            for submitter in 0..<submitters {
                group.addTask {
                    var sample = LatencySample()
                    var count = 0
                    var mix = SlipMix(seed: UInt64(submitter + 1))
                    while clock.now < deadline {
                        count += 1
                        let (request, retry) = switch workload {
                        case .singles: (try BenchBook.bet(submitter: submitter, count: count), false)
                        case .apiMix: try mix.next(serial: count, terminal: "bench-\(submitter)")
                        }
                        let placedAt = clock.now
                        let receipt = try await journal.place(request)
                        if !retry { sample.record(clock.now - placedAt) }
                        guard receipt.isReplay == retry else {
                            throw BenchError("bet \(request.idempotencyKey) was \(receipt.isReplay ? "answered as a retry" : "placed again")")
                        }
                    }
                    return sample
                }
            }
            return try await group.reduce(into: LatencySample()) { $0.merge($1) }
        }
        let elapsed = clock.now - started
        let cpuPerBet = (cpuSeconds(of: getpid()) - cpuBefore) / Double(max(samples.count, 1))
        var written: Double?
        if let before = writtenBefore, let after = processBytesWritten() {
            written = Double(after - before) / Double(max(samples.count, 1))
        }
        let payload = try await journal.records(after: 50, limit: 1).first.map { Data($0.payload) } ?? Data()
        await journal.close()
        return Figures(run: RunFigures(operations: samples.count, elapsed: elapsed, latency: samples),
                       bytesWrittenPerBet: written, cpuPerBet: cpuPerBet, samplePayload: payload)
    }
}
