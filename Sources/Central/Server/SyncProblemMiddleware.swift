import Foundation
import Hummingbird
import Logging
import SyncProtocol

/// Every failure leaves as an RFC 9457 problem document with a sync problem `type`; the
/// appliance decides from the type whether to retry, fail over or raise an alert.
struct SyncProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as SyncProblem {
            return Self.response(problem)
        } catch let error as DecodingError {
            return Self.response(SyncProblem(.malformed, detail: "the body is not a valid sync request: \(Self.describe(error))"))
        } catch let error as HTTPError {
            if error.status == .contentTooLarge {
                return Self.response(SyncProblem(.badBatch, detail: "the body is larger than central accepts"))
            }
            return Self.response(SyncProblem(.malformed, detail: error.body ?? "\(request.method) \(request.uri.path): \(error.status)"))
        } catch {
            context.logger.error("central could not answer \(request.method) \(request.uri.path)", metadata: ["error": "\(error)"])
            return Self.response(SyncProblem(.unavailable, detail: "central could not store or read records: \(error)"))
        }
    }

    static func response(_ problem: SyncProblem) -> Response {
        let body = (try? JSONEncoder().encode(problem)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if problem.type.isTransient { headers[.retryAfter] = "1" }
        return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context): "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        @unknown default: "\(error)"
        }
    }
}
