public import AsyncHTTPClient
public import NIOCore
public import NIOHTTP1

/// How a ``TerminalClient`` moves a signed request to the appliance and its answer back. The
/// client signs; the transport only carries bytes, so every transport sends what a kiosk must.
public protocol TerminalTransport: Sendable {
    func execute(_ method: HTTPMethod, path: String, headers: HTTPHeaders, body: [UInt8],
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

    public func execute(_ method: HTTPMethod, path: String, headers: HTTPHeaders, body: [UInt8],
                        timeout: TimeAmount) async throws -> TerminalClient.Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers = headers
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: timeout)
        let collected = try await response.body.collect(upTo: maximumAnswerBytes)
        return TerminalClient.Answer(status: Int(response.status.code), headers: response.headers,
                                     body: Array(collected.readableBytesView))
    }
}
