public import Appliance
import Foundation
public import Hummingbird
public import ServiceLifecycle
public import Logging
import NIOCore

/// The daemon's local control API on a Unix socket, for the ops CLI on the appliance itself
/// (`holdfast power status|watch`). No signatures: the socket file is created mode 0600, so
/// only holdfastd's own user (and root) can connect, as with systemd's or Docker's sockets.
public enum ControlServer {
    /// The control API as a service that logs, rather than throws, a socket it cannot serve.
    public static func service(socketPath: String, power: PowerController, logger: Logger) -> some Service {
        ControlService(application: application(socketPath: socketPath, power: power, logger: logger), socketPath: socketPath, logger: logger)
    }

    public static func application(socketPath: String, power: PowerController, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("power") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            let body = try JSONEncoder().encode(power.status)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        return Application(
            router: router,
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "holdfastd-control"),
            onServerRunning: { _ in
                // Bound with the process umask: narrow it before anyone else can connect.
                if chmod(socketPath, 0o600) != 0 {
                    logger.error("cannot make the control socket private; stopping it", metadata: ["path": "\(socketPath)"])
                    unlink(socketPath)
                }
            },
            logger: logger)
    }
}

private struct ControlService<Wrapped: ApplicationProtocol>: Service {
    let application: Wrapped
    let socketPath: String
    let logger: Logger

    func run() async throws {
        do { try await application.run() } catch {
            logger.error("control socket unavailable: `holdfast power status` will not reach this daemon; betting goes on",
                         metadata: ["path": "\(socketPath)", "error": "\(error)"])
        }
    }
}
