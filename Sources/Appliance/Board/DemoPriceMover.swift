import Logging
import Randomness
public import ServiceLifecycle
import Wagering

/// Demo only: moves one random price every few seconds, so the board stream and odds-change
/// refusals can be watched on a demo appliance, and moves a race whose start has passed to start
/// again (``ApplianceService/rollDemoBoard(_:)``). Never configured on a venue's appliance.
public struct DemoPriceMover: Service {
    let service: ApplianceService
    let demo: ApplianceConfiguration.DemoSettings
    let interval: Duration

    public init(service: ApplianceService, demo: ApplianceConfiguration.DemoSettings) {
        self.service = service
        self.demo = demo
        self.interval = .seconds(demo.movePricesEverySeconds)
    }

    public func run() async throws {
        // Cancelled at graceful shutdown, so a SIGTERM does not wait out the interval.
        try? await cancelWhenGracefulShutdown { try await movePrices() }
    }

    private func movePrices() async throws {
        var random = SystemRandom()
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            do { try await service.rollDemoBoard(demo) } catch {
                service.logger.warning("demo races not moved", metadata: ["error": "\(error)"])
            }
            let open = service.board.board.markets.values.filter { $0.status == .open }
                .flatMap { market in market.selections.filter { $0.status == .active } }
            guard let selection = open.randomElement(using: &random) else { continue }
            let moved = DemoPriceMover.nudge(selection.odds, up: Bool.random(using: &random))
            do {
                try await service.changeBoard(.changePrice(selection.id, moved))
                service.logger.info("demo price moved", metadata: ["selection": "\(selection.id)", "odds": "\(moved.decimalString)"])
            } catch {
                service.logger.warning("demo price move refused", metadata: ["error": "\(error)"])
            }
        }
    }

    /// About 10% longer or shorter, to two decimal places, never below 1.01.
    static func nudge(_ odds: Odds, up: Bool) -> Odds {
        let hundredths = Int64(odds.numerator * 100 / odds.denominator)
        let next = max(101, up ? hundredths + max(1, hundredths / 10) : hundredths - max(1, hundredths / 10))
        return (try? Odds(decimalNumerator: next, denominator: 100)) ?? odds
    }
}

/// Closes the appliance once everything after it in the service group (the HTTP server) has
/// drained: intake stops, streams end, queued commits finish, the WAL is checkpointed.
public struct ApplianceLifecycle: Service {
    let service: ApplianceService

    public init(service: ApplianceService) {
        self.service = service
    }

    public func run() async throws {
        try? await gracefulShutdown()
        service.logger.notice("shutting down: intake closed, finishing in-flight commits")
        await service.shutdown()
    }
}
