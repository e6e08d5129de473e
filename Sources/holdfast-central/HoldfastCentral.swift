import ArgumentParser
import Central
import Crypto
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// holdfast-central: the reference central sync service and its administration.
@main
struct HoldfastCentral: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holdfast-central",
        abstract: "The reference central sync service for Holdfast appliances (PostgreSQL, mutual TLS).",
        subcommands: [Serve.self, Migrate.self, Enroll.self, Publish.self, Alerts.self, Verify.self]
    )
}

struct DatabaseOption: ParsableArguments {
    @Option(help: "PostgreSQL URL, postgres://user[:password]@host[:port]/database (or set HOLDFAST_CENTRAL_DATABASE).")
    var database: String?

    func address() throws -> DatabaseAddress {
        guard let url = database ?? ProcessInfo.processInfo.environment["HOLDFAST_CENTRAL_DATABASE"] else {
            throw ValidationError("no database: pass --database or set HOLDFAST_CENTRAL_DATABASE")
        }
        do { return try DatabaseAddress(url: url) } catch { throw ValidationError(error.description) }
    }

    /// Runs `body` with a store whose connection pool runs alongside it.
    func withStore<T: Sendable>(logger: Logger, _ body: @Sendable @escaping (CentralStore) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: try address().configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await client.run(); return nil }
            group.addTask { try await body(CentralStore(client: client, logger: logger)) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let result { return result }
            }
            preconditionFailure("the body's task answers before the pool's ends")
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the schema migrations not yet applied.")
    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let applied = try await database.withStore(logger: Logger(label: "holdfast-central")) { try await $0.migrate() }
        print(applied.isEmpty ? "schema up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
    }
}

struct Enroll: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enroll an appliance by its client certificate (or replace the certificate of one enrolled).")
    @OptionGroup var database: DatabaseOption
    @Option(help: "The appliance code, as in its holdfast.yaml (appliance.code).") var appliance: String
    @Option(help: "The venue the appliance is installed in.") var venue: String
    @Option(help: "The appliance's client certificate (PEM).") var certificate: String

    func run() async throws {
        guard let pem = try NIOSSLCertificate.fromPEMFile(certificate).first else {
            throw ValidationError("\(certificate) holds no PEM certificate")
        }
        let fingerprint = Array(SHA256.hash(data: try pem.toDERBytes()))
        let (code, venue) = (appliance, venue)
        try await database.withStore(logger: Logger(label: "holdfast-central")) {
            try await $0.migrate()
            try await $0.enroll(code: code, venue: venue, certificateSHA256: fingerprint)
        }
        print("enrolled \(code) at \(venue), certificate sha256 \(fingerprint.map { String(format: "%02x", $0) }.joined())")
    }
}

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the alerts not yet resolved.")
    @OptionGroup var database: DatabaseOption

    func run() async throws {
        let alerts = try await database.withStore(logger: Logger(label: "holdfast-central")) { try await $0.openAlerts() }
        if alerts.isEmpty { print("no open alerts") }
        for alert in alerts {
            print("\(alert.appliance)  \(alert.type)  seq \(alert.seq.map(String.init) ?? "-")  \(alert.detail)")
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Verify the chain central holds for an appliance, from its first record.")
    @OptionGroup var database: DatabaseOption
    @Option(help: "The appliance code.") var appliance: String

    func run() async throws {
        let code = appliance
        let outcome = try await database.withStore(logger: Logger(label: "holdfast-central")) { try await $0.verifyChain(of: code) }
        switch outcome {
        case .success(let head):
            print("chain of \(code) verified: \(head.seq) records, head \(head)")
        case .failure(let failure):
            print("chain of \(code) BROKEN: \(failure)")
            throw ExitCode(1)
        }
    }
}
