import Appliance
import Console
import ControlAPI
import ArgumentParser
import Foundation
import Hummingbird
import Journal
import Logging
import Metrics
import Power
import Prometheus
import Randomness
import ServiceLifecycle
import TerminalAPI

/// holdfastd: the appliance daemon. Reads its configuration, opens and verifies the journal,
/// serves the terminal API, and on SIGTERM/SIGINT stops intake, drains in-flight requests and
/// closes the journal cleanly.
@main
struct Holdfastd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holdfastd",
        abstract: "The Holdfast appliance daemon: bet journal, terminal API, power supervision, technician console.",
        version: HoldfastVersion.current
    )

    @Option(help: "The configuration file (firmware-config/holdfast.yaml is the commented reference).")
    var config = "/etc/holdfast/holdfast.yaml"

    @Flag(help: "Validate the configuration and exit.")
    var checkConfig = false

    func run() async throws {
        let settings: ApplianceConfiguration
        do {
            settings = try ApplianceConfiguration.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("holdfastd: \(error)\n".utf8))
            throw ExitCode(78) // EX_CONFIG
        }
        if checkConfig {
            print("configuration OK: \(config)")
            return
        }
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        // Also kept in memory for the console's `log tail`, which must work without a network.
        let logRing = LogRing(capacity: 500)
        LoggingSystem.bootstrap { label in
            logRing.handler(label: label, level: level, copyingTo: .standardError(label: label))
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "holdfastd")

        let clock = SystemClock()
        var random = SystemRandom()
        let service: ApplianceService
        do {
            service = try await ApplianceService.start(settings, clock: clock, random: &random, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            FileHandle.standardError.write(Data("holdfastd: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // Before anything is served: a binary or configuration that does not match the approved
        // manifest keeps intake closed.
        await service.checkIntegrity()
        let configPath = config
        let notifier = SystemdNotifier()
        let application = TerminalAPIServer.application(service: service, registry: registry, clock: clock, logger: logger) { channel in
            let port = channel.localAddress?.port ?? settings.api.port
            let address = "http://\(settings.api.host):\(port)"
            // One unbuffered write: scripts and tests wait for this line.
            notifier.notify(["READY": "1", "STATUS": "listening on \(address)"])
            FileHandle.standardOutput.write(Data("""
                holdfastd listening on \(address) (appliance \(settings.applianceCode), data in \(settings.dataDirectory))
                  health:      curl \(address)/health
                  first bet:   swift run holdfast demo-terminal --config \(configPath)

                """.utf8))
        }
        let power = PowerController(service: service, source: settings.powerSource(logger: logger),
                                    policy: settings.power.policy, shutdownCommand: settings.power.shutdownCommand,
                                    rebootCommand: settings.power.rebootCommand, clock: clock)
        let backups = BackupScheduler(service: service, clock: clock)
        var services: [any Service] = [ApplianceLifecycle(service: service), power, backups, HealthMonitor(service: service, clock: clock),
                                       WatchdogService(notifier: notifier, service: service, logger: logger)]
        if let uplink = service.uplink {
            services.append(uplink)
        }
        if let feed = service.feed {
            services.append(feed)
        }
        if let demo = settings.demo, demo.movePricesEverySeconds > 0 {
            services.append(DemoPriceMover(service: service, demo: demo))
        }
        services.append(application)
        // Last, so it stops first (a group stops its services in reverse): it answers the
        // requests waiting on in-play decisions, which the HTTP server's drain would wait for.
        services.append(service.delays)
        var configured = services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        // The local control socket is for technicians: losing it must not stop betting.
        let diskFull = DiskFullDrill(service: service)
        configured.append(.init(service: ControlServer.service(socketPath: settings.controlSocket, service: service, power: power,
                                                                     backups: backups, diskFull: diskFull, logger: logger),
                                successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
        // The console is for technicians: neither transport failing may stop betting.
        let console = ConsoleContext(service: service, power: power, backups: backups, diskFull: diskFull, configurationPath: configPath, logRing: logRing,
                                     clock: clock, logger: logger)
        configured.append(.init(service: ConsoleSocket(context: console, path: settings.console.socket),
                                successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
        if let device = settings.console.device {
            configured.append(.init(service: SerialConsole(context: console, device: device, baud: settings.console.baud),
                                    successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(configuration: .init(services: configured, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.notice("holdfastd stopped cleanly")
    }
}
