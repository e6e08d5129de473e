public import Appliance
import Uplink
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
///     GET  /uplink           the link to central (404 without one)
///     GET  /journal          whether the journal writes, and readiness
///     POST /drill/<name>     start a drill (power-cut, low-battery, uplink-loss, central-failover, disk-full)
///     POST /drill/end        end it
///     POST /backup           back up now; the report, or 500 with why not
public enum ControlServer {
    /// The control API as a service that logs, rather than throws, a socket it cannot serve.
    public static func service(socketPath: String, service: ApplianceService, power: PowerController, backups: BackupScheduler,
                               diskFull: DiskFullDrill, logger: Logger) -> some Service {
        ControlService(application: application(socketPath: socketPath, service: service, power: power, backups: backups,
                                                diskFull: diskFull, logger: logger),
                       socketPath: socketPath, logger: logger)
    }

    public static func application(socketPath: String, service: ApplianceService, power: PowerController, backups: BackupScheduler,
                                   diskFull: DiskFullDrill, logger: Logger) -> some ApplicationProtocol {
        let uplink = service.uplink
        let router = Router()
        router.get("power") { _, _ -> Response in
            try json(power.status)
        }
        router.get("uplink") { _, _ -> Response in
            guard let uplink else { return try json(["error": "no central endpoints are configured"], status: .notFound) }
            return try json(UplinkStatus(uplink.connectivity, drill: uplink.currentDrill))
        }
        router.get("journal") { _, _ -> Response in
            try json(await service.journalWriteStatus(drillRunning: diskFull.isRunning))
        }
        router.post("drill/end") { _, _ -> Response in
            power.endDrill(by: "holdfast drill")
            uplink?.endDrill(by: "holdfast drill")
            await diskFull.end(by: "holdfast drill")
            return try json(["drill": "ended"])
        }
        router.post("drill/disk-full") { _, _ -> Response in
            switch await diskFull.start(by: "holdfast drill") {
            case .success(let filled): return try json(filled)
            case .failure(let failure): return try json(["error": failure.description], status: .conflict)
            }
        }
        router.post("drill/:name") { _, context -> Response in
            let name = context.parameters.get("name") ?? ""
            if let drill = UplinkDrill(rawValue: name) {
                guard let uplink else { return try json(["error": "no central endpoints are configured: nothing to drill"], status: .conflict) }
                guard uplink.startDrill(drill, by: "holdfast drill") else { return try json(["error": "an uplink drill is already running"], status: .conflict) }
                return try json(["drill": drill.rawValue])
            }
            guard let drill = PowerController.Drill(rawValue: name) else {
                let names = PowerController.Drill.allCases.map(\.rawValue) + UplinkDrill.allCases.map(\.rawValue) + ["disk-full"]
                return try json(["error": "no such drill; one of \(names.joined(separator: ", "))"], status: .notFound)
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
