import Journal

extension ApplianceService {
    /// Why a bet placed now would be refused whatever it is, or nil when bets can be placed:
    /// intake closed, the journal unable to write, or unable to be read. `GET /ready` answers 503
    /// with it, so load balancers and monitoring route or page on it.
    public func notReadyReason() async -> String? {
        if let closed = intake.closedReason { return closed.description }
        if let failure = journal.writeFailure { return failure.description }
        if (try? await journal.headSeq()) == nil { return "the journal cannot be read" }
        return nil
    }
}
