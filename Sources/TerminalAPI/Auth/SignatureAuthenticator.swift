import Appliance
import Foundation
import HTTPTypes
import Hummingbird
import Journal
import NIOCore
import TerminalProtocol
import Wagering

/// Checks every request's HMAC signature (docs/terminal-api.md, "Authentication"): a known
/// terminal, a timestamp within the allowed skew, a nonce not seen before, and a signature over
/// method, path, timestamp, nonce and body hash. The body is collected here, bounded by the
/// configured size, so the handler reads the same bytes that were signed.
struct SignatureAuthenticator: RouterMiddleware {
    typealias Context = TerminalRequestContext

    let configuration: ApplianceConfiguration
    /// The terminal allowed to sign as an id: central's grant, else the configuration's.
    let credential: @Sendable (TerminalID) -> TerminalCredential?
    let access: TerminalAccess
    let nonces: NonceCache
    let failures: AuthFailureLog
    let clock: any JournalClock

    /// Why a request was refused, for the terminal (the problem) and the tally (the kind; nil
    /// for a full nonce cache, which is load rather than a failed authentication).
    private struct Refusal: Error {
        var kind: AuthFailureLog.Kind?
        var problem: Problem
        init(_ kind: AuthFailureLog.Kind, _ detail: String) {
            self.kind = kind
            problem = Problem(.unauthenticated, detail: detail)
        }
        init(busy detail: String) {
            kind = nil
            problem = Problem(.busy, detail: detail)
        }
    }

    // Parsed once: every request reads all four.
    private static let terminalHeader = HTTPField.Name(RequestSignature.terminalHeader)!
    private static let timestampHeader = HTTPField.Name(RequestSignature.timestampHeader)!
    private static let nonceHeader = HTTPField.Name(RequestSignature.nonceHeader)!
    private static let signatureHeader = HTTPField.Name(RequestSignature.signatureHeader)!
    /// Signs for ids that are not provisioned, so that refusing one costs what checking a known
    /// one does: a stranger cannot time the answer to learn which ids exist.
    private static let decoySecret = TerminalSecret(hex: String(repeating: "5a", count: 32))!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: configuration.api.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw Problem(.bodyTooLarge, detail: "request bodies are limited to \(configuration.api.maxBodyBytes) bytes")
        } catch {
            // The client went away or broke the framing mid-body: not a size problem.
            throw Problem(.malformedRequest, detail: "the request body could not be read: \(error)")
        }
        var context = context
        switch Result(catching: { () throws(Refusal) in try authenticate(request, body: body) }) {
        case .success(let terminal): context.terminal = terminal
        case .failure(let refusal):
            if let kind = refusal.kind {
                failures.note(kind, claimedTerminal: request.headers[Self.terminalHeader] ?? "")
            }
            throw refusal.problem
        }
        return try await next(request, context)
    }

    /// The terminal that signed the request, or why not.
    private func authenticate(_ request: Request, body: ByteBuffer) throws(Refusal) -> TerminalCredential {
        // Not `request.headers[field]`: it joins repeated fields with a generic `joined()` that
        // runs unspecialized (1.6 % of holdfastd's CPU under load), and a signature header given
        // twice is an error rather than a list.
        func header(_ field: HTTPField.Name) throws(Refusal) -> String {
            var found: String?
            for candidate in request.headers where candidate.name == field {
                guard found == nil else { throw Refusal(.repeatedHeader, "the \(field.rawName) header is given more than once") }
                found = candidate.value
            }
            guard let value = found, !value.isEmpty else {
                throw Refusal(.missingHeader, "the \(field.rawName) header is missing")
            }
            return value
        }
        let terminalID = try header(Self.terminalHeader)
        let timestampText = try header(Self.timestampHeader)
        let nonce = try header(Self.nonceHeader)
        let signature = try header(Self.signatureHeader)
        // The checks that do not depend on the terminal come first: run after the lookup, they
        // answered a known id differently from an unknown one, telling a stranger which exist.
        guard let timestamp = Int64(timestampText), timestampText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw Refusal(.staleTimestamp, "\(RequestSignature.timestampHeader) must be Unix time in milliseconds, digits only")
        }
        guard (8...128).contains(nonce.utf8.count) else {
            throw Refusal(.badNonce, "\(RequestSignature.nonceHeader) must be 8 to 128 characters")
        }
        let now = clock.wallMillis()
        let skew = Int64(configuration.api.signatureMaxSkewSeconds) * 1_000
        // Any Int64 arrives here; the difference must not overflow (a crafted timestamp once crashed the daemon).
        let (difference, overflow) = now.subtractingReportingOverflow(timestamp)
        guard !overflow, difference.magnitude <= UInt64(skew) else {
            let seconds = overflow ? "far" : "\(difference.magnitude / 1_000) s"
            throw Refusal(.staleTimestamp, "the request timestamp is \(seconds) from the appliance's clock; at most \(skew / 1_000) s is allowed (check the terminal's clock)")
        }
        // One answer for an unknown terminal and a wrong signature, so the API does not tell a
        // stranger which terminal ids exist. Built only on refusal: every accepted request passes here.
        func refused() -> Refusal {
            Refusal(.badSignature, "terminal '\(terminalID)' is not provisioned here or the signature does not match its secret")
        }
        let terminal = credential(TerminalID(rawValue: terminalID))
        let expected = RequestSignature.sign(secret: terminal?.secret ?? Self.decoySecret, method: request.method.rawValue,
                                             path: request.head.path ?? "/", timestampMillis: timestamp, nonce: nonce,
                                             body: body.readableBytesView)
        guard RequestSignature.matches(signature, expected), let terminal else { throw refused() }
        switch nonces.check(terminal: terminalID, nonce: nonce, nowMillis: now, expiryMillis: timestamp + skew) {
        case .fresh:
            // After the signature check, so a stranger cannot probe which terminals are disabled.
            guard !access.isDisabled(terminal.id) else {
                throw Refusal(.disabled, "terminal '\(terminalID)' is disabled on this appliance; a technician can enable it at the console")
            }
            access.seen(terminal.id, atMillis: now)
            return terminal
        case .replayed: throw Refusal(.replayed, "nonce '\(nonce)' was already used: a replayed request")
        case .full: throw Refusal(busy: "too many requests in the signature window; retry shortly")
        }
    }
}
