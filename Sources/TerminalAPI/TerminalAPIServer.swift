public import Appliance
public import Hummingbird
public import NIOCore
public import Journal
public import Logging
public import Prometheus

/// The terminal API as a Hummingbird application: public `/health` and `/metrics`, everything
/// under `/v1` signed by a provisioned terminal, every failure a problem document.
public enum TerminalAPIServer {
    public static func application(
        service: ApplianceService, registry: PrometheusCollectorRegistry, clock: any JournalClock, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let settings = service.configuration.api
        let router = Router(context: TerminalRequestContext.self)
        // Outermost, so it counts the status each request finally got (problems included).
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        let system = SystemRoutes(service: service, registry: registry)
        system.registerPublic(on: router)
        let v1 = router.group("v1")
            .add(middleware: SignatureAuthenticator(configuration: service.configuration, credential: { service.terminalCredential($0) },
                                                    access: service.terminalAccess,
                                                    nonces: NonceCache(capacity: settings.nonceCacheCapacity),
                                                    failures: service.authFailures, clock: clock))
        system.registerAuthenticated(on: v1)
        // Heartbeats keep idle streams under the idle timeout, and a write is how a stream learns its
        // kiosk went away and frees its slot, so they are frequent.
        BoardRoutes(service: service, heartbeat: .seconds(max(1, min(5, settings.idleTimeoutSeconds / 3)))).register(on: v1)
        TicketRoutes(service: service).register(on: v1)
        return Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(settings.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "holdfastd"),
            onServerRunning: onServerRunning,
            logger: logger)
    }
}
