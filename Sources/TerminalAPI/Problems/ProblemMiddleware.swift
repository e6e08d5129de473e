import Foundation
import Hummingbird
import Logging
import TerminalProtocol

/// The outermost middleware: every failure leaves as an RFC 9457 `application/problem+json`
/// document with a stable `type`, whatever threw it (a handler, the authenticator, the router's
/// own 404/405, a decoding error). Nothing reaches the client as a bare 500 without a reason.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return Self.response(problem)
        } catch let error as DecodingError {
            return Self.response(Self.problem(for: error))
        } catch let error as HTTPError {
            return Self.response(Self.problem(for: error))
        } catch {
            context.logger.error("unexpected error answering \(request.method) \(request.uri.path)", metadata: ["error": "\(error)"])
            return Self.response(Problem(.journalUnavailable, detail: "internal error; nothing was recorded: \(error)"))
        }
    }

    static func response(_ problem: Problem) -> Response {
        let body = (try? JSONEncoder().encode(problem)) ?? Data()
        var headers: HTTPFields = [.contentType: Problem.mediaType]
        if problem.kind == .busy { headers[.retryAfter] = "1" }
        // A place frees when a waiting in-play bet is decided: after its delay, five seconds by default.
        if problem.kind == .tooManyPendingBets || problem.kind == .betPending { headers[.retryAfter] = "5" }
        return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func problem(for error: HTTPError) -> Problem {
        switch error.status {
        case .notFound: Problem(.notFound, detail: "no such resource")
        case .methodNotAllowed: Problem(.methodNotAllowed, detail: "this resource does not take that method")
        case .contentTooLarge: Problem(.bodyTooLarge, detail: error.body ?? "the request body is too large")
        case .unauthorized: Problem(.unauthenticated, detail: error.body ?? "the request is not authenticated")
        // A failure of the appliance's own, not of the request: never blamed on the terminal.
        case let status where status.code >= 500:
            Problem(.journalUnavailable, detail: error.body ?? "the appliance could not answer (\(status.code)); nothing was recorded")
        default: Problem(.malformedRequest, detail: error.body ?? "the request could not be handled (\(error.status.code))")
        }
    }

    /// Names the field a decoding failure happened at.
    static func problem(for error: DecodingError) -> Problem {
        func path(_ context: DecodingError.Context) -> String {
            // A key spelt "" is shown as [""], so even it has a name.
            context.codingPath.map { key in
                key.intValue.map { "[\($0)]" } ?? (key.stringValue.isEmpty ? #"[""]"# : ".\(key.stringValue)")
            }.joined().trimmingPrefix(".").description
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = (path(context).isEmpty ? "" : path(context) + ".") + key.stringValue
            return Problem(.malformedRequest, detail: "the field '\(field)' is required", field: field)
        case .typeMismatch(let type, let context):
            let field = path(context)
            return Problem(.malformedRequest, detail: field.isEmpty ? "the body must be a JSON object" : "the field '\(field)' must be \(type): \(context.debugDescription)",
                           field: field.isEmpty ? nil : field)
        case .valueNotFound(_, let context):
            let field = path(context)
            return Problem(.malformedRequest, detail: field.isEmpty ? "the body must be a JSON object, not null" : "the field '\(field)' must not be null",
                           field: field.isEmpty ? nil : field)
        case .dataCorrupted(let context):
            let field = path(context)
            return Problem(.malformedRequest, detail: field.isEmpty ? "the body is not valid JSON for this request: \(context.debugDescription)"
                                                              : "the field '\(field)' is not valid: \(context.debugDescription)",
                           field: field.isEmpty ? nil : field)
        @unknown default:
            return Problem(.malformedRequest, detail: "the body could not be read: \(error)")
        }
    }
}
