import Foundation
import Hummingbird
import HTTPTypes
import SyncProtocol

/// The push side of the sync protocol (docs/sync-protocol.md).
struct SyncRoutes {
    let store: CentralStore

    func register(on router: Router<CentralRequestContext>) {
        router.get(RouterPath(SyncPath.health)) { _, _ in
            try await store.client.query("SELECT 1", logger: store.logger)
            return Self.json(HealthAnswer(status: "ok", protocolVersion: SyncProtocolVersion.current))
        }
        let authenticated = router.group().add(middleware: ApplianceAuthenticator(store: store))
        authenticated.get(RouterPath(SyncPath.records)) { _, context in
            let appliance = try Self.appliance(context)
            guard let head = try await store.head(of: appliance.code) else { throw CentralStoreError.notEnrolled(appliance.code) }
            return Self.json(PushAnswer(appliance: appliance.code, highWater: head, stored: 0, centralMillis: Self.nowMillis()))
        }
        authenticated.get(RouterPath(SyncPath.feed)) { request, context in
            let appliance = try Self.appliance(context)
            let after = try Self.integer(request, "after", default: 0, in: 0...Int64.max)
            let wait = try Self.integer(request, "wait", default: 0, in: 0...Int64(FeedPage.maxWaitSeconds))
            // Long poll: asks again every 250 ms until something arrives or the wait is over.
            // Stateless, so any instance can answer; LISTEN/NOTIFY would save the queries.
            let deadline = ContinuousClock.now + .seconds(wait)
            var items = try await store.feed(for: appliance, after: after)
            while items.isEmpty, ContinuousClock.now < deadline, !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(250))
                items = try await store.feed(for: appliance, after: after)
            }
            return Self.json(FeedPage(items: items, cursor: items.last?.cursor ?? after))
        }
        authenticated.get(RouterPath(SyncPath.history)) { request, context in
            let appliance = try Self.appliance(context)
            let after = try Self.integer(request, "after", default: 0, in: 0...Int64.max)
            let limit = try Self.integer(request, "limit", default: Int64(PushBatch.maxRecords), in: 1...Int64(PushBatch.maxRecords))
            return Self.json(RecordPage(records: try await store.records(of: appliance.code, after: after, limit: Int(limit))))
        }
        authenticated.post(RouterPath(SyncPath.records)) { request, context in
            let appliance = try Self.appliance(context)
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let batch = try JSONDecoder().decode(PushBatch.self, from: Data(buffer: body))
            switch try await store.ingest(batch, from: appliance) {
            case .success(var answer):
                answer.centralMillis = Self.nowMillis()
                return Self.json(answer)
            case .failure(let problem): throw problem
            }
        }
    }

    private static func appliance(_ context: CentralRequestContext) throws -> EnrolledAppliance {
        guard let appliance = context.appliance else { throw SyncProblem(.unknownAppliance, detail: "not authenticated") }
        return appliance
    }

    private static func integer(_ request: Request, _ name: String, default fallback: Int64, in range: ClosedRange<Int64>) throws -> Int64 {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int64(text), range.contains(value) else {
            throw SyncProblem(.malformed, detail: "query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    private static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000).rounded())
    }

    static func json(_ value: some Encodable) -> Response {
        let body = (try? JSONEncoder().encode(value)) ?? Data()
        return Response(status: .ok, headers: [.contentType: "application/json",
                                               HTTPField.Name(SyncProtocolVersion.header)!: String(SyncProtocolVersion.current)],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

struct HealthAnswer: Codable {
    var status: String
    var protocolVersion: Int

    enum CodingKeys: String, CodingKey {
        case status
        case protocolVersion = "protocol_version"
    }
}
