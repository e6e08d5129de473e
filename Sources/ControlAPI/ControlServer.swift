public import Appliance
import Foundation
public import Hummingbird
public import ServiceLifecycle
public import Logging
import NIOCore

/// The daemon's local control API on a Unix socket, for the ops CLI on the appliance itself
/// (`holdfast power status|watch`, `holdfast drill`). No signatures: the socket file is created
/// mode 0600, so only holdfastd's own user (and root) can connect, as with systemd's sockets.
///
///     GET  /power            the power status
///     POST /drill/<name>     start a power drill (power-cut, low-battery)
///     POST /drill/end        end it
///     POST /backup           back up now; the report, or 500 with why not
public enum ControlServer {
    /// The control API as a service that logs, rather than throws, a socket it cannot serve.
    public static func service(socketPath: String, power: PowerController, backups: BackupScheduler, logger: Logger) -> some Service {
        ControlService(application: application(socketPath: socketPath, power: power, backups: backups, logger: logger),
                       socketPath: socketPath, logger: logger)
    }

    public static func application(socketPath: String, power: PowerController, backups: BackupScheduler, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("power") { _, _ -> Response in
            try json(power.status)
        }
        router.post("drill/end") { _, _ -> Response in
            power.endDrill(by: "holdfast drill")
            return try json(["drill": "ended"])
        }
        router.post("drill/:name") { _, context -> Response in
            guard let drill = context.parameters.get("name").flatMap(PowerController.Drill.init(rawValue:)) else {
                return try json(["error": "no such drill; one of \(PowerController.Drill.allCases.map(\.rawValue).joined(separator: ", "))"], status: .notFound)
            }
            guard power.status.drill == nil else { return try json(["error": "a drill is already running"], status: .conflict) }
            power.startDrill(drill, by: "holdfast drill")
            return try json(["drill": drill.rawValue])
        }
        router.post("backup") { _, _ -> Response in
            switch await backups.backupNow(by: "holdfast drill") {
            case .success(let report): return try json(["path": report.path, "headSeq": String(report.headSeq)])
            case .failure(let error): return try json(["error": "\(error)"], status: .internalServerError)
            }
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

private func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
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
