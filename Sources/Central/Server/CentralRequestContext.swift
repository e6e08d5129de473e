import Crypto
public import Hummingbird
import NIOCore
import NIOSSL

/// Per-request state: the connection, whose TLS handshake proved a client certificate, and the
/// appliance that certificate is enrolled as once the middleware has looked it up.
public struct CentralRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var appliance: EnrolledAppliance?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        appliance = nil
    }

    /// A batch is at most ``PushBatch/maxRecords`` records of bounded size.
    public var maxUploadSize: Int { 16 * 1024 * 1024 }

    /// SHA-256 of the DER of the certificate the client presented (TLS already verified it
    /// against the appliance CA), or nil on a connection without one.
    func clientCertificateSHA256() async throws -> [UInt8]? {
        guard let certificate = try await channel.nioSSL_peerCertificate().get() else { return nil }
        return Array(SHA256.hash(data: try certificate.toDERBytes()))
    }
}
