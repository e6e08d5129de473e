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
            return Self.json(PushAnswer(appliance: appliance.code, highWater: head, stored: 0))
        }
        authenticated.post(RouterPath(SyncPath.records)) { request, context in
            let appliance = try Self.appliance(context)
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let batch = try JSONDecoder().decode(PushBatch.self, from: Data(buffer: body))
            switch try await store.ingest(batch, from: appliance) {
            case .success(let answer): return Self.json(answer)
            case .failure(let problem): throw problem
            }
        }
    }

    private static func appliance(_ context: CentralRequestContext) throws -> EnrolledAppliance {
        guard let appliance = context.appliance else { throw SyncProblem(.unknownAppliance, detail: "not authenticated") }
        return appliance
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
