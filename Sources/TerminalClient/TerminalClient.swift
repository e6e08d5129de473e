public import AsyncHTTPClient
import Foundation
public import NIOCore
public import NIOHTTP1
import Randomness
public import TerminalProtocol

/// A terminal's side of the API: signs every request (docs/terminal-api.md, "Authentication")
/// and decodes answers and problem documents. Used by `holdfast demo-terminal`, `holdfast bench
/// api` and the tests, so they exercise exactly what a kiosk integration must do.
public struct TerminalClient: Sendable {
    public let terminalID: String
    public let secret: TerminalSecret
    let transport: any TerminalTransport
    let timeout: TimeAmount

    /// Long enough for an in-play bet, answered only once its delay has passed and central's feed
    /// was heard after it: at most the appliance's `in_play.max_pending_seconds` (60 by default).
    public static let defaultTimeout = TimeAmount.seconds(70)

    /// Through AsyncHTTPClient's connection pool (``PooledHTTPTransport``).
    public init(baseURL: String, terminalID: String, secret: TerminalSecret, http: HTTPClient = .shared,
                timeout: TimeAmount = defaultTimeout) {
        self.init(transport: PooledHTTPTransport(baseURL: baseURL, http: http), terminalID: terminalID, secret: secret,
                  timeout: timeout)
    }

    public init(transport: any TerminalTransport, terminalID: String, secret: TerminalSecret, timeout: TimeAmount = defaultTimeout) {
        self.transport = transport
        self.terminalID = terminalID
        self.secret = secret
        self.timeout = timeout
    }

    /// A raw answer: status, headers and body.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var body: [UInt8]

        public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public var contentType: String? { headers.first(name: "Content-Type") }

        public func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder().decode(T.self, from: Data(body))
        }

        /// The problem document, when the answer is one.
        public var problem: Problem? {
            guard contentType?.hasPrefix(Problem.mediaType) == true else { return nil }
            return try? decode(Problem.self)
        }
    }

    /// Sends a signed request. `nonce` and `timestampMillis` default to fresh values; tests set
    /// them to replay or age a request. `sign: false` sends no signature headers at all.
    public func send(_ method: HTTPMethod, _ path: String, body: [UInt8] = [], headers extra: [(String, String)] = [],
                     nonce: String? = nil, timestampMillis: Int64? = nil, sign: Bool = true) async throws -> Answer {
        let secret = secret, terminalID = terminalID
        // Signed as the request leaves (see ``TerminalTransport``), with a fresh nonce then too.
        return try await transport.execute(method, path: path, headers: {
            var headers = HTTPHeaders()
            if !body.isEmpty { headers.add(name: "Content-Type", value: "application/json") }
            if sign {
                let timestamp = timestampMillis ?? Int64(Date().timeIntervalSince1970 * 1_000)
                let nonce = nonce ?? TerminalClient.freshNonce()
                let signature = RequestSignature.sign(secret: secret, method: method.rawValue, path: path, timestampMillis: timestamp,
                                                      nonce: nonce, body: body)
                headers.add(name: RequestSignature.terminalHeader, value: terminalID)
                headers.add(name: RequestSignature.timestampHeader, value: String(timestamp))
                headers.add(name: RequestSignature.nonceHeader, value: nonce)
                headers.add(name: RequestSignature.signatureHeader, value: signature)
            }
            for (name, value) in extra { headers.add(name: name, value: value) }
            return headers
        }, body: body, timeout: timeout)
    }

    public func board() async throws -> BoardView {
        try await expect(send(.GET, "/v1/board"), BoardView.self)
    }

    /// Places a bet; a refusal comes back as the problem, not as an error.
    public func place(_ slip: PlaceBetRequest) async throws -> Result<TicketView, Problem> {
        try await outcome(send(.POST, "/v1/bets", body: slip.jsonBytes()), TicketView.self)
    }

    public func payout(_ ticketID: String, securityCode: String) async throws -> Result<TicketView, Problem> {
        let body = Array(try JSONEncoder().encode(SecurityCodeRequest(securityCode: securityCode)))
        return try await outcome(send(.POST, "/v1/tickets/\(ticketID)/payout", body: body), TicketView.self)
    }

    /// The answer decoded as `T` when it succeeded, else its problem document.
    public func outcome<T: Decodable>(_ answer: Answer, _ type: T.Type) throws -> Result<T, Problem> {
        if (200..<300).contains(answer.status) { return .success(try answer.decode(T.self)) }
        guard let problem = answer.problem else { throw UnexpectedAnswer(status: answer.status, body: answer.body) }
        return .failure(problem)
    }

    private func expect<T: Decodable>(_ answer: Answer, _ type: T.Type) throws -> T {
        switch try outcome(answer, type) {
        case .success(let value): return value
        case .failure(let problem): throw problem
        }
    }

    public static func freshNonce() -> String {
        var random = SystemRandom()
        return String(random.next(), radix: 16) + String(random.next(), radix: 16)
    }
}

public struct UnexpectedAnswer: Error, CustomStringConvertible {
    public var status: Int
    public var body: [UInt8]
    public var description: String { "unexpected answer \(status): \(String(decoding: body.prefix(300), as: UTF8.self))" }
}
