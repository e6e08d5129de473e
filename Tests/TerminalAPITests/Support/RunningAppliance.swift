import Appliance
import Foundation
import Journal
import Logging
import NIOConcurrencyHelpers
import Power
import Prometheus
import Randomness
import ServiceLifecycle
import TerminalAPI
import TerminalClient
import TerminalProtocol
import Wagering
@_exported import TestSupport

/// A real holdfastd service graph (journal, appliance service, Hummingbird server on an ephemeral
/// loopback port) inside the test process, reached over real HTTP.
final class RunningAppliance: Sendable {
    let service: ApplianceService
    let power: PowerController?
    let port: Int
    let directory: TemporaryDirectory
    let secrets: [String: TerminalSecret]
    private let group: ServiceGroup
    private let runner: Task<Void, any Error>

    static let terminals: [(id: String, role: String)] = [("kiosk-1", "kiosk"), ("kiosk-2", "kiosk"), ("staff-1", "staff"), ("staff-2", "staff")]

    /// `api` and `limits` are YAML lines added to those sections.
    /// `power` is YAML lines added to the power section; with it, a power controller runs too,
    /// reading `<directory>/power.state`. `extraConfig`: more top-level sections.
    static func start(api: String = "", limits: String = "", power: String? = nil, voidWindowSeconds: Int = 300,
                      extraConfig: String = "", clock: any JournalClock = SystemClock()) async throws -> RunningAppliance {
        let directory = try TemporaryDirectory()
        var random = SystemRandom()
        var secrets: [String: TerminalSecret] = [:]
        var terminalYAML = ""
        for terminal in terminals {
            let secret = TerminalSecret.generate(using: &random)
            secrets[terminal.id] = secret
            terminalYAML += "  - { id: \(terminal.id), role: \(terminal.role), secret: \(secret.hex) }\n"
        }
        let yaml = """
            appliance: { code: TST1, currency: GBP, data_dir: \(directory.path), log_level: warning }
            api:
              listen_host: 127.0.0.1
              listen_port: 0
              void_window_seconds: \(voidWindowSeconds)
            \(api.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            journal: {}
            limits:
              min_stake_per_line: "0.10"
              max_stake_per_bet: "500.00"
              max_payout_per_bet: "25000.00"
              max_liability_per_selection: "50000.00"
              max_liability_per_market: "100000.00"
              terminal_max_stake_per_bet: "200.00"
              terminal_max_open_stake: "5000.00"
            \(limits.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            terminals:
            \(terminalYAML)
            power:
              simulated_state_file: \(directory.path)/power.state
            \((power ?? "").split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            \(extraConfig)
            """
        let configuration = try ApplianceConfiguration.parse(yaml: yaml, relativeTo: directory.path)
        var logger = Logger(label: "holdfast.test.api")
        logger.logLevel = .warning
        let service = try await ApplianceService.start(configuration, clock: clock, random: &random, logger: logger)
        for market in Self.board { try await service.changeBoard(.publish(market)) }

        let bound = PortPromise()
        let application = TerminalAPIServer.application(service: service, registry: PrometheusCollectorRegistry(), clock: clock,
                                                        logger: logger) { channel in
            bound.fulfil(channel.localAddress?.port ?? -1)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: ApplianceLifecycle(service: service))]
        var controller: PowerController?
        if power != nil {
            let settings = configuration.power
            let source: any PowerSource = settings.source == .simulated
                ? SimulatedPowerSource(path: settings.simulatedStateFile, pollInterval: .milliseconds(20))
                : configuration.powerSource(logger: Logger(label: "holdfast.test.power"))
            controller = PowerController(service: service, source: source,
                                         policy: settings.policy, shutdownCommand: settings.shutdownCommand, clock: clock,
                                         tickInterval: .milliseconds(20))
            services.append(.init(service: controller!))
        }
        services.append(.init(service: application))
        services.append(.init(service: service.delays))
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        let runner = Task { try await group.run() }
        let port = try await bound.value()
        return RunningAppliance(service: service, power: controller, port: port, directory: directory, secrets: secrets, group: group,
                                runner: runner)
    }

    private init(service: ApplianceService, power: PowerController?, port: Int, directory: TemporaryDirectory,
                 secrets: [String: TerminalSecret], group: ServiceGroup, runner: Task<Void, any Error>) {
        self.service = service
        self.power = power
        self.port = port
        self.directory = directory
        self.secrets = secrets
        self.group = group
        self.runner = runner
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    func client(_ terminal: String) -> TerminalClient {
        // A hang guard: 30 s, where an answer takes milliseconds unloaded and seconds in a
        // ThreadSanitizer build beside CPU hogs.
        TerminalClient(baseURL: baseURL, terminalID: terminal, secret: secrets[terminal]!, timeout: .seconds(30))
    }

    /// Graceful shutdown, as SIGTERM does it: the server drains, then the journal closes.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await runner.value
    }

    /// Two win markets: `r1` (r1-a 2.0, r1-b 3.0, r1-c 11/8) and `r2` (r2-a evens, r2-b 5/2).
    static let board: [Market] = [
        market("r1", [("r1-a", "2.0"), ("r1-b", "3.0"), ("r1-c", "11/8")]),
        market("r2", [("r2-a", "evens"), ("r2-b", "5/2")]),
    ]

    /// 2100-01-01: the races have not started, so staff voids (refused once a leg's event has
    /// started) stay possible whatever the machine's clock says.
    static let farFuture: Int64 = 4_102_444_800_000

    static func market(_ id: String, _ selections: [(String, String)]) -> Market {
        Market(id: MarketID(rawValue: id), event: Event(id: EventID(rawValue: "event-\(id)"), name: "Race \(id)", startsAtMillis: Self.farFuture),
               name: "Win", selections: selections.map { Selection(id: SelectionID(rawValue: $0.0), name: $0.0, odds: try! Odds.parse($0.1)) })
    }
}

/// The server's bound port, handed from its start-up callback to the test.
final class PortPromise: Sendable {
    private let state = NIOLockedValueBox<(port: Int?, waiter: CheckedContinuation<Int, Never>?)>((nil, nil))

    func fulfil(_ port: Int) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Int, Never>? in
            state.port = port
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: port)
    }

    func value() async throws -> Int {
        let port = await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Int? in
                if let port = state.port { return port }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        guard port > 0 else { throw TestFailure("the server did not report its port") }
        return port
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Slip helpers: a single or a multiple at the board's current prices.
enum Slips {
    static func single(_ selection: String, on board: BoardView, stake: Int64 = 500, key: String = UUID().uuidString,
                       policy: OddsChangePolicy = .exact) -> PlaceBetRequest {
        multiple("single", [selection], on: board, stake: stake, key: key, policy: policy)
    }

    static func multiple(_ type: String, _ selections: [String], on board: BoardView, stake: Int64 = 500,
                         key: String = UUID().uuidString, policy: OddsChangePolicy = .exact) -> PlaceBetRequest {
        let all = board.markets.flatMap(\.selections)
        let legs = selections.map { id in
            let selection = all.first { $0.id == id }!
            return LegRequest(selectionId: id, price: selection.price.exact, priceVersion: selection.priceVersion)
        }
        return PlaceBetRequest(idempotencyKey: key, type: type, legs: legs, stakePerLine: MoneyView(minorUnits: stake, currency: "GBP"),
                               oddsChangePolicy: policy)
    }
}
