public import AsyncHTTPClient
public import NIOCore
public import NIOHTTP1

/// How a ``TerminalClient`` moves a signed request to the appliance and its answer back. The
/// client signs; the transport only carries bytes, so every transport sends what a kiosk must.
///
/// `headers` is called as the request leaves, not when it is handed over: a request that waits
/// its turn behind others is signed when it goes, so the wait cannot age it past the appliance's
/// timestamp window and have it refused as stale (found by scripts/flake-hunt: twenty bets
/// queued on one connection beside CPU hogs waited more than 30 s).
public protocol TerminalTransport: Sendable {
    func execute(_ method: HTTPMethod, path: String, headers: @escaping @Sendable () -> HTTPHeaders, body: [UInt8],
                 timeout: TimeAmount) async throws -> TerminalClient.Answer
}

/// The largest answer a client reads (a full board is well under 1 MiB).
let maximumAnswerBytes = 16 * 1_024 * 1_024

/// Through AsyncHTTPClient's connection pool: any base URL, connections opened and reused as
/// needed. The default.
public struct PooledHTTPTransport: TerminalTransport {
    public let baseURL: String
    let http: HTTPClient

    public init(baseURL: String, http: HTTPClient = .shared) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = http
    }

    public func execute(_ method: HTTPMethod, path: String, headers: @escaping @Sendable () -> HTTPHeaders, body: [UInt8],
                        timeout: TimeAmount) async throws -> TerminalClient.Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers = headers()
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: timeout)
        let collected = try await response.body.collect(upTo: maximumAnswerBytes)
        return TerminalClient.Answer(status: Int(response.status.code), headers: response.headers,
                                     body: Array(collected.readableBytesView))
    }
}
