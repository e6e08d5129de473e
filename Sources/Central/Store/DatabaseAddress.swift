import Foundation
public import PostgresNIO

/// A PostgreSQL address as a URL, `postgres://user[:password]@host[:port]/database`, or with
/// `?host=/run/postgresql` for a Unix socket directory. Errors name the part that is wrong.
public struct DatabaseAddress: Sendable, CustomStringConvertible {
    public let configuration: PostgresClient.Configuration
    /// The URL with any password masked, for logs.
    public let description: String

    public init(url text: String) throws(DatabaseAddressError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgres" || scheme == "postgresql"
        else { throw DatabaseAddressError("'\(text)' is not a postgres:// URL") }
        guard let user = components.user, !user.isEmpty else { throw DatabaseAddressError("the URL names no user (postgres://USER@host/db)") }
        let database = components.path.trimmingPrefix("/").description
        guard !database.isEmpty else { throw DatabaseAddressError("the URL names no database (postgres://user@host/DATABASE)") }
        let socketDirectory = components.queryItems?.first { $0.name == "host" }?.value
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            let port = components.port ?? 5432
            configuration = .init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user,
                                  password: components.password, database: database)
        } else {
            guard let host = components.host, !host.isEmpty else { throw DatabaseAddressError("the URL names no host") }
            configuration = .init(host: host, port: components.port ?? 5432, username: user, password: components.password,
                                  database: database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(5)
        self.configuration = configuration
        var masked = components
        if masked.password != nil { masked.password = "***" }
        description = masked.string ?? text
    }
}

public struct DatabaseAddressError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = "database URL: " + description }
}
