import Appliance
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// holdfastd's local control socket: the power, uplink and journal status, drills, backups.
struct ControlClient {
    let socketPath: String
    private let client = HTTPClient(eventLoopGroupProvider: .singleton)

    func status() async throws -> PowerStatus {
        try await request(.GET, "/power", answering: PowerStatus.self, timeout: .seconds(5))
    }

    /// The link to central, as holdfastd reports it.
    func uplink() async throws -> UplinkStatus {
        do { return try await request(.GET, "/uplink", answering: UplinkStatus.self, timeout: .seconds(5)) } catch let error as Refused {
            throw PowerCommandError("holdfastd has no uplink to report (\(error.reason)): configure uplink.endpoints")
        }
    }

    /// Whether the journal writes, and readiness.
    func journal() async throws -> JournalWriteStatus {
        try await request(.GET, "/journal", answering: JournalWriteStatus.self, timeout: .seconds(5))
    }

    /// POSTs to a control endpoint; the JSON fields of the answer, or the error it names.
    func post(_ path: String) async throws -> [String: String] {
        try await post(path, answering: [String: String].self)
    }

    func post<Answer: Decodable>(_ path: String, answering: Answer.Type) async throws -> Answer {
        do { return try await request(.POST, path, answering: Answer.self, timeout: .seconds(120)) } catch let error as Refused {
            throw PowerCommandError("holdfastd refused \(path): \(error.reason)")
        }
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// An answer other than 200, with the error holdfastd named.
    private struct Refused: Error {
        var reason: String
    }

    private func request<Answer: Decodable>(_ method: HTTPMethod, _ path: String, answering: Answer.Type,
                                            timeout: TimeAmount) async throws -> Answer {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw PowerCommandError("'\(socketPath)' cannot be used as a control socket path")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        let response: HTTPClientResponse
        do {
            // The HTTP client retries a missing socket until its timeout; say so at once instead.
            guard FileManager.default.fileExists(atPath: socketPath) else { throw PowerCommandError("the socket file does not exist") }
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw PowerCommandError("""
                cannot reach holdfastd's control socket \(socketPath): \(error)
                (is holdfastd running with this configuration? is this its user or root? \
                `holdfast power watch --direct` reads the power source without the daemon)
                """)
        }
        let body = Data(try await response.body.collect(upTo: 64 * 1_024).readableBytesView)
        guard response.status == .ok else {
            let named = (try? JSONDecoder().decode([String: String].self, from: body))?["error"]
            throw Refused(reason: named ?? "\(response.status)")
        }
        return try JSONDecoder().decode(Answer.self, from: body)
    }
}

struct PowerCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
