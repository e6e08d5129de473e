import Appliance
import AsyncHTTPClient
import Foundation

/// holdfastd's local control socket: the power status, drills, backups.
struct ControlClient {
    let socketPath: String
    private let client = HTTPClient(eventLoopGroupProvider: .singleton)

    func status() async throws -> PowerStatus {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: "/power") else {
            throw PowerCommandError("'\(socketPath)' cannot be used as a control socket path")
        }
        let response: HTTPClientResponse
        do {
            // The HTTP client retries a missing socket until its timeout; say so at once instead.
            guard FileManager.default.fileExists(atPath: socketPath) else { throw PowerCommandError("the socket file does not exist") }
            response = try await client.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(5))
        } catch {
            throw PowerCommandError("""
                cannot reach holdfastd's control socket \(socketPath): \(error)
                (is holdfastd running with this configuration? is this its user or root? \
                `holdfast power watch --direct` reads the power source without the daemon)
                """)
        }
        let body = try await response.body.collect(upTo: 64 * 1_024)
        guard response.status == .ok else {
            throw PowerCommandError("holdfastd answered \(response.status) on \(socketPath)")
        }
        return try JSONDecoder().decode(PowerStatus.self, from: Data(body.readableBytesView))
    }

    /// The link to central, as holdfastd reports it.
    func uplink() async throws -> UplinkStatus {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: "/uplink") else {
            throw PowerCommandError("'\(socketPath)' cannot be used as a control socket path")
        }
        let response = try await client.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 64 * 1_024)
        guard response.status == .ok else { throw PowerCommandError("holdfastd has no uplink to report (\(response.status)): configure uplink.endpoints") }
        return try JSONDecoder().decode(UplinkStatus.self, from: Data(body.readableBytesView))
    }

    /// POSTs to a control endpoint; the JSON fields of the answer, or the error it names.
    func post(_ path: String) async throws -> [String: String] {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw PowerCommandError("'\(socketPath)' cannot be used as a control socket path")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        let response = try await client.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 64 * 1_024)
        let fields = (try? JSONDecoder().decode([String: String].self, from: Data(body.readableBytesView))) ?? [:]
        guard response.status == .ok else { throw PowerCommandError("holdfastd refused \(path): \(fields["error"] ?? "\(response.status)")") }
        return fields
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}

struct PowerCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
