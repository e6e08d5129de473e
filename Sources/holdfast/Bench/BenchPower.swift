import Appliance
import ArgumentParser
import AsyncHTTPClient
import Foundation
import TerminalClient
import TerminalProtocol

/// `holdfast bench power`: while K terminals place bets, the UPS goes to low battery again and
/// again; each time holdfastd measures from the event reaching its power controller to intake
/// closed and the WAL checkpointed, and mains then returns before the final delay so the next run
/// starts from normal service (docs/BENCHMARKS.md).
struct BenchPower: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power",
        abstract: "Power event to safe (intake closed, journal checkpointed) under API load: p50/p99.",
        discussion: "Starts the holdfastd built beside this binary: swift build -c release && .build/release/holdfast bench power"
    )

    @Option(help: "Scratch directory (emptied first).")
    var directory = "var/bench-power"

    @Option(help: "Staged shutdowns to measure.")
    var runs = 100

    @Option(help: "Simulated terminals placing bets meanwhile.")
    var terminals = 16

    func validate() throws {
        guard (1...100_000).contains(runs) else { throw ValidationError("--runs must be 1-100000") }
        guard (0...1_024).contains(terminals) else { throw ValidationError("--terminals must be 0-1024") }
    }

    func run() async throws {
        // A final delay no run reaches: mains always returns first, so nothing powers off.
        let daemon = try APIDaemon(directory: directory, terminals: max(terminals, 1),
                                   power: "{ source: simulated, final_delay_seconds: 600, on_battery_alert_seconds: 600 }")
        try daemon.start()
        defer { daemon.stop() }
        let status = ControlClient(socketPath: daemon.controlSocket)
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(terminals, 1)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(connectionPool: pool))
        let clients = daemon.secrets.prefix(terminals).enumerated().map { index, secret in
            TerminalClient(baseURL: "http://127.0.0.1:\(daemon.port)", terminalID: "bench-\(index)", secret: TerminalSecret(hex: secret)!, http: http)
        }
        #if DEBUG
        print("note: this is a debug build; record figures from a release build")
        #endif
        print("holdfast bench power: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, \(terminals) terminals placing bets, \(runs) staged shutdowns")
        try await waitFor(status) { $0.state == "mains" }

        let load = Task { try await APILoad.run(clients: clients, for: .seconds(3_600), operation: BetMix.place) }
        try await Task.sleep(for: .milliseconds(500))
        var sample = LatencySample()
        for run in 1...runs {
            let before = try await status.status().stagedShutdowns
            try "ac=lost\nlow=yes\n".write(toFile: daemon.powerStateFile, atomically: true, encoding: .utf8)
            let safe = try await waitFor(status) { $0.stagedShutdowns > before && !$0.intakeOpen }
            sample.record(.microseconds(safe.lastPowerToSafeMicros ?? 0))
            try "ac=present\n".write(toFile: daemon.powerStateFile, atomically: true, encoding: .utf8)
            try await waitFor(status) { $0.state == "mains" && $0.intakeOpen }
            if run % max(1, runs / 10) == 0 { printProgress("\(run)/\(runs) staged shutdowns") }
        }
        load.cancel()
        let bets = try await load.value
        await status.shutdown()
        try await http.shutdown()

        print("power event -> intake closed + WAL checkpointed (\(sample.count) runs): p50 \(formatTwoDecimals(sample.quantileMillis(0.5))) ms, "
              + "p99 \(formatTwoDecimals(sample.quantileMillis(0.99))) ms, max \(formatTwoDecimals(sample.quantileMillis(1.0))) ms")
        print("bets meanwhile: \(bets.figures.summary); refused \(bets.refused) (intake closed or odds moved)")
        print("detection before that: NUT upsmon polls every 5 s by default (POLLFREQ), holdfast's NUT source every "
              + "nut_poll_milliseconds (1 s default); a GPIO edge reaches the source in about 1 ms (docs/BENCHMARKS.md)")
        print("power_to_safe_p99_ms=\(formatTwoDecimals(sample.quantileMillis(0.99)))")
    }

    /// Polls the control socket until `condition` holds (bounded: a stuck daemon fails the run).
    @discardableResult
    private func waitFor(_ client: ControlClient, _ condition: (PowerStatus) -> Bool) async throws -> PowerStatus {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            // The control socket starts beside the API: until it exists, ask again.
            if let status = try? await client.status(), condition(status) { return status }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BenchError("holdfastd's power state did not reach the expected state within 30 s")
    }
}
