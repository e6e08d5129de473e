extension ApplianceService {
    func loadDemoBoard(_ demo: ApplianceConfiguration.DemoSettings) async throws {
        let onBoard = journal.board()
        var published = 0
        for market in try DemoBoard.load(path: demo.boardFile, nowMillis: clock.wallMillis()) where onBoard.market(market.id) == nil {
            try await journal.apply(.publish(market))
            published += 1
        }
        logger.notice("demo board loaded: DEMO DATA, not a real fixture list",
                      metadata: ["file": "\(demo.boardFile)", "markets_published": "\(published)"])
        try await rollDemoBoard(demo)
    }

    /// Demo only: a demo race whose start has passed takes no more bets, so it is moved to start
    /// again as far ahead as the demo board file says (prices and versions kept). A demo left
    /// running, or started again days later, keeps a board to bet on.
    public func rollDemoBoard(_ demo: ApplianceConfiguration.DemoSettings) async throws {
        let now = clock.wallMillis()
        let onBoard = journal.board()
        var rolled = 0
        for fresh in try DemoBoard.load(path: demo.boardFile, nowMillis: now) {
            guard var market = onBoard.market(fresh.id), market.status != .settled, market.event.startsAtMillis <= now else { continue }
            market.event.startsAtMillis = fresh.event.startsAtMillis
            try await journal.apply(.publish(market))
            rolled += 1
        }
        guard rolled > 0 else { return }
        logger.info("demo races moved to start again", metadata: ["markets": "\(rolled)"])
        try await refreshBoard()
    }
}
