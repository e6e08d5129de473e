import ArgumentParser
import Foundation
import NIOPosix
import Synchronization
import TerminalClient
import TerminalProtocol

/// `holdfast bench api`: K simulated kiosks on keep-alive connections place signed bets (singles,
/// accumulators, trixies, some duplicate retries; moving prices make some refusals) against a
/// holdfastd it starts; in the same run, the same server on a trivial authenticated endpoint, the
/// same K kiosks again with M more placing in-play bets beside them (each waits out its delay,
/// which must slow no one else), and the journal alone with K submitters placing the same mix of
/// bets (and unique singles), for the ratios (docs/BENCHMARKS.md).
struct BenchAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Terminal API throughput and latency vs a trivial endpoint and the journal alone.",
        discussion: "Starts the holdfastd built beside this binary: swift build -c release && .build/release/holdfast bench api"
    )

    @Option(help: "Scratch directory (emptied first).")
    var directory = "var/bench-api"

    @Option(help: "Seconds per measured run.")
    var seconds = 5.0

    @Option(help: "Simulated terminals (K), each with its own connection.")
    var terminals = 64

    @Option(help: "Kiosks placing in-play bets beside the K, in a run of their own (M; 0: none).")
    var inPlayTerminals = 16

    func run() async throws {
        let duration = Duration.milliseconds(Int64(seconds * 1_000))
        let daemon = try APIDaemon(directory: directory + "/daemon", terminals: terminals + inPlayTerminals)
        try daemon.start()
        defer { daemon.stop() }
        try await Task.sleep(for: .milliseconds(500))
        let idleRSS = daemon.residentMiB()
        let idleAnonymous = statusMiB(of: daemon.processIdentifier, field: "RssAnon:")
        let idleWorkingSet = await workingSetMiB(of: daemon.processIdentifier, over: .seconds(3))
        // One connection per kiosk, each request in one write (KeepAliveTransport says why), and
        // each kiosk's task on its connection's event loop (EventLoopTaskExecutor says why).
        let loops = MultiThreadedEventLoopGroup.singleton
        let executors = daemon.secrets.map { _ in EventLoopTaskExecutor(loops.next()) }
        let connections = executors.map { KeepAliveTransport(host: "127.0.0.1", port: daemon.port, group: $0.eventLoop) }
        let allClients = zip(daemon.secrets, connections).enumerated().map { index, pair in
            TerminalClient(transport: pair.1, terminalID: "bench-\(index)", secret: TerminalSecret(hex: pair.0)!)
        }
        let clients = Array(allClients.prefix(terminals)), kioskExecutors = Array(executors.prefix(terminals))
        let inPlayClients = Array(allClients.dropFirst(terminals)), inPlayExecutors = Array(executors.dropFirst(terminals))
        #if DEBUG
        print("note: this is a debug build; record figures from a release build")
        #endif
        print("holdfast bench api: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(terminals) terminals, \(seconds) s per run")

        printProgress("trivial authenticated endpoint (GET /v1/board)")
        let pid = daemon.processIdentifier
        let trivialCPU = CPUMeter(daemon: pid)
        let trivial = try await APILoad.run(clients: clients, executors: kioskExecutors, for: duration) { client, _ in
            _ = try await client.send(.GET, "/v1/board")
            return .accepted
        }
        let cpuPerGET = trivialCPU.perOperation(trivial.figures.operations)
        printProgress("placing bets")
        let sampling = Task { await peakResidentMiB(of: pid) }
        let betsCPU = CPUMeter(daemon: pid)
        let bets = try await APILoad.run(clients: clients, executors: kioskExecutors, for: duration, operation: BetMix.place)
        let cpuPerBet = betsCPU.perOperation(bets.figures.operations)
        sampling.cancel()
        let peak = await sampling.value
        var beside: (bets: APILoad.Result, inPlay: APILoad.Result)?
        if !inPlayClients.isEmpty {
            printProgress("placing bets with \(inPlayClients.count) kiosks placing in-play bets beside them")
            async let inPlay = APILoad.run(clients: inPlayClients, executors: inPlayExecutors, for: duration, round: 1, operation: BetMix.placeInPlay)
            let preMatch = try await APILoad.run(clients: clients, executors: kioskExecutors, for: duration, round: 1, operation: BetMix.place)
            beside = (preMatch, try await inPlay)
        }
        for connection in connections { await connection.close() }
        // The same bets through the journal alone, and unique singles (its cheapest path), so the
        // API's cost shows apart from the bets' own (docs/adr/0010-api-ratio-against-the-same-bets.md).
        printProgress("journal alone with \(terminals) submitters: the same bets")
        let sameBets = try await JournalLoad(directory: directory + "/journal", submitters: terminals, commitDelay: .zero,
                                             workload: .apiMix).run(for: duration)
        printProgress("journal alone with \(terminals) submitters: unique singles")
        let singles = try await JournalLoad(directory: directory + "/journal", submitters: terminals, commitDelay: .zero)
            .run(for: duration)

        print("trivial GET /v1/board: \(trivial.figures.summaryWithTail)")
        print("bets: \(bets.figures.summaryWithTail); refused \(bets.refused) (odds moved \(bets.oddsChanged)), replayed retries \(bets.replayed)")
        if let beside {
            let alone = bets.figures, together = beside.bets.figures
            print("bets with \(inPlayClients.count) in-play kiosks beside them: \(together.summaryWithTail); refused \(beside.bets.refused) "
                  + "(odds moved \(beside.bets.oddsChanged)), replayed retries \(beside.bets.replayed); against alone: bets/s "
                  + "\(formatTwoDecimals(together.perSecond / alone.perSecond)), p99 \(formatTwoDecimals(together.latency.quantileMillis(0.99))) ms "
                  + "vs \(formatTwoDecimals(alone.latency.quantileMillis(0.99))) ms")
            print("in-play bets (delay 1 s), decided: \(beside.inPlay.figures.summaryWithTail); declined in the delay "
                  + "\(beside.inPlay.declinedInDelay), refused \(beside.inPlay.refused)")
        }
        print("journal alone (K=\(terminals)), the same bets: \(sameBets.run.summary); unique singles: \(singles.run.summary)")
        // Both processes share the machine's cores, so the load generator's CPU is the daemon's loss.
        print("CPU per request, holdfastd + load generator: trivial GET \(cpuPerGET), accepted bet \(cpuPerBet); "
              + "journal alone per bet: the same bets \(microseconds(sameBets.cpuPerBet)) us, singles \(microseconds(singles.cpuPerBet)) us")
        print("holdfastd RSS: idle \(formatTwoDecimals(idleRSS)) MiB (anonymous \(formatTwoDecimals(idleAnonymous)) MiB, "
              + "touched in 3 s idle \(formatTwoDecimals(idleWorkingSet)) MiB), under load peak \(formatTwoDecimals(peak)) MiB")
        print("holdfastd binary's disk reads ahead \(daemon.binaryReadAheadKiB.map { "\($0) KiB" } ?? "an unknown amount"); "
              + "idle RSS grows with it (docs/BENCHMARKS.md, \"Memory\")")
        let ratio = bets.figures.perSecond / sameBets.run.perSecond
        print("bets vs trivial endpoint \(formatTwoDecimals(bets.figures.perSecond / trivial.figures.perSecond)), "
              + "vs the journal alone with the same bets \(formatTwoDecimals(ratio)) "
              + "(with unique singles \(formatTwoDecimals(bets.figures.perSecond / singles.run.perSecond)))")
        let besideFigures = beside.map {
            " prematch_p99_beside_inplay_ms=\(formatTwoDecimals($0.bets.figures.latency.quantileMillis(0.99))) "
                + "inplay_p99_ms=\(formatTwoDecimals($0.inPlay.figures.latency.quantileMillis(0.99)))"
        } ?? ""
        print("api_bets_per_s=\(Int(bets.figures.perSecond.rounded())) p99_ms=\(formatTwoDecimals(bets.figures.latency.quantileMillis(0.99))) "
              + "vs_journal_ratio=\(formatTwoDecimals(ratio))" + besideFigures)
    }
}

/// The largest resident set of process `pid` seen every 100 ms until the task is cancelled.
func peakResidentMiB(of pid: Int32) async -> Double {
    var peak = 0.0
    while !Task.isCancelled {
        peak = max(peak, residentMiB(of: pid))
        try? await Task.sleep(for: .milliseconds(100))
    }
    return peak
}

private func microseconds(_ seconds: Double) -> Int { Int((seconds * 1e6).rounded()) }

/// CPU time of the daemon and of this process (the load generator) from its creation on. Both
/// share the machine's cores, so what the load generator uses the daemon does not get.
struct CPUMeter {
    let daemon: Int32
    private let daemonStart: Double
    private let generatorStart: Double

    init(daemon: Int32) {
        self.daemon = daemon
        daemonStart = cpuSeconds(of: daemon)
        generatorStart = cpuSeconds(of: getpid())
    }

    struct PerOperation: CustomStringConvertible {
        var daemon: Double
        var generator: Double
        var description: String { "\(microseconds(daemon)) + \(microseconds(generator)) us" }
    }

    func perOperation(_ operations: Int) -> PerOperation {
        let count = Double(max(operations, 1))
        return PerOperation(daemon: (cpuSeconds(of: daemon) - daemonStart) / count,
                            generator: (cpuSeconds(of: getpid()) - generatorStart) / count)
    }
}
