import Appliance
import Hummingbird
import Prometheus
import TerminalProtocol

/// Unauthenticated health and metrics, and the (authenticated) appliance state for kiosk banners.
struct SystemRoutes {
    let service: ApplianceService
    let registry: PrometheusCollectorRegistry

    func registerPublic(on router: Router<TerminalRequestContext>) {
        router.get("health") { _, _ in
            try JSONBody.response(HealthView(status: service.intake.closedReason == nil ? "ok" : "degraded"))
        }
        // Readiness, unlike health, fails when bets cannot be placed.
        router.get("ready") { _, _ in
            let reason = await service.notReadyReason()
            var response = try JSONBody.response(ReadinessView(ready: reason == nil, reason: reason))
            if reason != nil { response.status = .serviceUnavailable }
            return response
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    func registerAuthenticated(on group: RouterGroup<TerminalRequestContext>) {
        group.get("appliance") { _, _ in
            try JSONBody.response(await service.state())
        }
    }
}
