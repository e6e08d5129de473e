public import Hummingbird
import HummingbirdTLS
public import Logging
public import NIOCore
public import NIOSSL

/// Where central listens and the TLS material it proves itself with and checks appliances by.
public struct CentralServerSettings: Sendable {
    public var host: String
    public var port: Int
    public var certificateChain: [NIOSSLCertificate]
    public var privateKey: NIOSSLPrivateKey
    /// The CA that issues appliance certificates; a client without one it signed is refused in
    /// the handshake.
    public var applianceCA: [NIOSSLCertificate]

    public init(host: String, port: Int, certificateFile: String, keyFile: String, applianceCAFile: String) throws {
        self.host = host
        self.port = port
        certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        privateKey = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        applianceCA = try NIOSSLCertificate.fromPEMFile(applianceCAFile)
    }
}

/// The reference central sync service as a Hummingbird application over mutual TLS.
public enum CentralServer {
    public static func application(
        store: CentralStore, settings: CentralServerSettings, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router(context: CentralRequestContext.self)
        router.add(middleware: SyncProblemMiddleware())
        SyncRoutes(store: store).register(on: router)
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: settings.certificateChain.map { .certificate($0) }, privateKey: .privateKey(settings.privateKey))
        tls.minimumTLSVersion = .tlsv12
        tls.trustRoots = .certificates(settings.applianceCA)
        // Appliances are identified by certificate, not by host name, and must present one.
        tls.certificateVerification = .noHostnameVerification
        return Application(
            router: router,
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "holdfast-central"),
            onServerRunning: onServerRunning,
            logger: logger)
    }
}
