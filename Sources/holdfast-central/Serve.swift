import ArgumentParser
import Central
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the sync protocol over mutual TLS until SIGTERM or SIGINT.")
    @OptionGroup var database: DatabaseOption
    @Option(help: "Address to listen on, host:port.") var listen = "127.0.0.1:8443"
    @Option(help: "Central's server certificate chain (PEM).") var certificate: String
    @Option(help: "Central's private key (PEM).") var key: String
    @Option(help: "The CA that issued the appliances' client certificates (PEM).") var applianceCA: String
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        let parts = listen.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = Int(parts[1]), (0...65_535).contains(port) else {
            throw ValidationError("--listen must be host:port, got '\(listen)'")
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "holdfast-central")
        let address = try database.address()
        let settings = try CentralServerSettings(host: String(parts[0]), port: port, certificateFile: certificate, keyFile: key,
                                                 applianceCAFile: applianceCA)
        let client = PostgresClient(configuration: address.configuration, backgroundLogger: logger)
        let store = CentralStore(client: client, logger: logger)
        let application = try CentralServer.application(store: store, settings: settings, logger: logger) { channel in
            let bound = channel.localAddress?.port ?? port
            // One unbuffered write: scripts and tests wait for this line.
            FileHandle.standardOutput.write(Data("holdfast-central listening on https://\(parts[0]):\(bound) (database \(address))\n".utf8))
        }
        let migrations = Migrations(store: store, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [
            .init(service: client), .init(service: migrations, successTerminationBehavior: .ignore), .init(service: application),
        ], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Brings the schema up to date once the pool runs. PostgreSQL may be down or restarting when
/// central starts: then it retries, with backoff, rather than taking the server down; until it
/// succeeds, pushes are answered 503 and appliances retry.
struct Migrations: Service {
    let store: CentralStore
    let logger: Logger

    func run() async throws {
        var wait = Duration.milliseconds(250)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await store.migrate()
                return
            } catch {
                logger.warning("schema migration failed; retrying", metadata: ["error": "\(String(reflecting: error))", "retry_in": "\(wait)"])
                let pause = wait
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
                wait = min(wait * 2, .seconds(30))
            }
        }
    }
}
