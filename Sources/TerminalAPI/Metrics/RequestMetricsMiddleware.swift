import Hummingbird
import Metrics
import NIOConcurrencyHelpers

/// Counts requests and their durations by route, method and status, under the same metric names
/// as Hummingbird's `MetricsMiddleware` (`hb_requests`, `http_server_request_duration`,
/// `hb_request_errors`, `http_server_active_requests`).
///
/// Written here rather than taken from Hummingbird because that middleware wraps every response
/// body in a closure so it can stop its timer after the body is written, and a closure body turns
/// off Hummingbird's fast path that sends head, body and end in one socket write: every answer
/// left in two TCP segments (docs/benchmarks-history.md, "Terminal API"). This one stops the timer when
/// the response is ready, so a duration is the time to decide the answer, not to send it; for a
/// Server-Sent Events stream that is the time to open it, where Hummingbird's counted until the
/// stream closed.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let cache = RequestMetricsCache()
    private let now: @Sendable () -> ContinuousClock.Instant

    init(now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.now = now
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = now()
        let active = cache.activeRequests(request.method)
        active.increment()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            let endpoint = cache.endpoint(context.endpointPath ?? "Unknown", request.method, response.status)
            endpoint.requests.increment()
            endpoint.duration.record(duration: now() - start)
            // Refusals reach here as problem answers (ProblemMiddleware sits inside this one),
            // where Hummingbird's middleware saw them thrown: counted as errors the same way.
            if response.status.code >= 400 { endpoint.errors.increment() }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            let endpoint = cache.endpoint(context.endpointPath ?? "NotFound", request.method, status)
            endpoint.requests.increment()
            endpoint.errors.increment()
            throw error
        }
    }
}

/// The metric handles per method and per route, method and status, made once: creating a
/// swift-metrics handle goes through the factory's own lock and lookup. Bounded by the routes the
/// router knows (an unknown path counts as "NotFound"), the methods and the statuses it answers.
private final class RequestMetricsCache: Sendable {
    struct EndpointKey: Hashable {
        var route: String
        var method: HTTPRequest.Method
        var status: HTTPResponse.Status
    }

    struct Endpoint: Sendable {
        let requests: Counter
        let duration: Metrics.Timer
        let errors: Counter

        init(_ key: EndpointKey) {
            let dimensions = [("http.route", key.route), ("http.request.method", key.method.rawValue),
                              ("http.response.status_code", String(key.status.code))]
            requests = Counter(label: "hb.requests", dimensions: dimensions)
            duration = Metrics.Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds)
            errors = Counter(label: "hb.request.errors", dimensions: [("http.route", key.route), ("http.request.method", key.method.rawValue),
                                                                      ("error.type", String(key.status.code))])
        }
    }

    // NIO's lock rather than the standard library's Mutex, which ThreadSanitizer cannot see on
    // Linux (docs/adr/0005-sanitizer-visible-primitives.md).
    private let endpoints = NIOLockedValueBox<[EndpointKey: Endpoint]>([:])
    private let methods = NIOLockedValueBox<[HTTPRequest.Method: Meter]>([:])

    func endpoint(_ route: String, _ method: HTTPRequest.Method, _ status: HTTPResponse.Status) -> Endpoint {
        let key = EndpointKey(route: route, method: method, status: status)
        return endpoints.withLockedValue { cached in
            if let endpoint = cached[key] { return endpoint }
            let endpoint = Endpoint(key)
            cached[key] = endpoint
            return endpoint
        }
    }

    func activeRequests(_ method: HTTPRequest.Method) -> Meter {
        methods.withLockedValue { cached in
            if let meter = cached[method] { return meter }
            let meter = Meter(label: "http.server.active_requests", dimensions: [("http.request.method", method.rawValue)])
            cached[method] = meter
            return meter
        }
    }
}
