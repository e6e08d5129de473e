import Hummingbird
import HTTPTypes
import SyncProtocol
import Wagering

/// Admits requests from enrolled appliances only: the client certificate TLS verified must be
/// one central enrolled, and the request must speak this protocol version.
struct ApplianceAuthenticator: RouterMiddleware {
    typealias Context = CentralRequestContext
    let store: CentralStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let version = request.headers[HTTPField.Name(SyncProtocolVersion.header)!]
        guard version == String(SyncProtocolVersion.current) else {
            throw SyncProblem(.unsupportedVersion, detail: "central speaks sync protocol \(SyncProtocolVersion.current); the request says \(version ?? "nothing") in \(SyncProtocolVersion.header)")
        }
        guard let fingerprint = try await context.clientCertificateSHA256() else {
            throw SyncProblem(.unknownAppliance, detail: "the connection presented no client certificate")
        }
        guard let appliance = try await store.appliance(certificateSHA256: fingerprint) else {
            throw SyncProblem(.unknownAppliance, detail: "certificate \(encodeHex(fingerprint.prefix(8))) is not enrolled (holdfast-central enroll)")
        }
        var context = context
        context.appliance = appliance
        context.logger[metadataKey: "appliance"] = "\(appliance.code)"
        return try await next(request, context)
    }
}
