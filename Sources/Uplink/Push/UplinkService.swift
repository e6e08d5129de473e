import Foundation
public import Logging
import Randomness
public import ServiceLifecycle
public import SyncProtocol

/// Hands every committed journal record to central exactly once, in order: asks central's
/// high-water mark, pushes the records after it in bounded batches, and after any fault asks
/// again, so a lost answer only causes a resend that central recognises (ARCHITECTURE.md, invariant 5).
public final class UplinkService: Service, Sendable {
    public typealias StateChange = @Sendable (_ from: ConnectivityState, _ to: Connectivity) async -> Void

    private let settings: UplinkSettings
    private let appliance: String
    private let source: any SyncRecordSource
    private let transport: any SyncTransport
    private let clock: any UplinkClock
    private let tracker: ConnectivityTracker
    private let onStateChange: StateChange
    private let onHighWater: @Sendable (SyncHead, _ clockDriftMillis: Int64?) async -> Void
    private let lastContact: LastContactFile?
    private let wakeup = Wakeup()
    private let drill = DrillState()
    private let metrics = UplinkMetrics()
    private let logger: Logger

    public init(settings: UplinkSettings, appliance: String, source: any SyncRecordSource, transport: any SyncTransport,
                clock: any UplinkClock, logger: Logger, lastContact: LastContactFile? = nil, tracker: ConnectivityTracker? = nil,
                onStateChange: @escaping StateChange = { _, _ in },
                onHighWater: @escaping @Sendable (SyncHead, _ clockDriftMillis: Int64?) async -> Void = { _, _ in }) {
        precondition((1...PushBatch.maxRecords).contains(settings.batchSize), "batch size out of protocol bounds")
        self.settings = settings
        self.appliance = appliance
        self.source = source
        self.transport = transport
        self.clock = clock
        self.onStateChange = onStateChange
        self.onHighWater = onHighWater
        self.lastContact = lastContact
        self.logger = logger
        self.tracker = tracker ?? ConnectivityTracker(endpoint: settings.endpoints[0].absoluteString, freshness: settings.freshness,
                                                      channels: [.records], startedAt: clock.now,
                                                      lastContactMillis: lastContact?.read().map { [.records: $0] } ?? [:])
    }

    public var connectivity: Connectivity { tracker.current(at: clock.now) }

    public func run() async throws {
        try await run(random: SystemRandom())
    }

    /// The loop, with its randomness (backoff jitter) injected. Ends at graceful shutdown.
    public func run(random: some RandomNumberGenerator & Sendable) async throws {
        logger.notice("uplink started", metadata: ["endpoints": "\(settings.endpoints.map(\.absoluteString))"])
        await cancelWhenGracefulShutdown { await self.loop(random: random) }
        await transport.shutdown()
        logger.notice("uplink stopped")
    }

    private func loop(random: some RandomNumberGenerator) async {
        var random = random
        var selector = EndpointSelector(endpoints: settings.endpoints, nowMillis: clock.wallMillis())
        var backoff = Backoff(initial: settings.retryInitial, maximum: settings.retryMax)
        var centralHead: SyncHead?
        while !Task.isCancelled {
            await failBackIfDue(&selector)
            do {
                centralHead = try await step(selector.url, centralHead: centralHead)
                backoff.reset()
            } catch {
                if Task.isCancelled { break }
                centralHead = nil
                let wait = await handle(error, selector: &selector, backoff: &backoff, random: &random)
                let clock = clock
                await wakeup.race { try? await clock.sleep(for: wait) }
            }
        }
    }

    /// One round: learn central's mark if unknown, then push the next batch or, with nothing to
    /// push, wait for a record (or the idle check). Answers central's mark afterwards.
    private func step(_ endpoint: URL, centralHead known: SyncHead?) async throws -> SyncHead {
        var centralHead: SyncHead
        try drill.check(endpoint.absoluteString)
        if let known {
            centralHead = known
        } else {
            centralHead = try await askHighWater(endpoint, known: nil)
        }
        // Taken before the read: a batch that is not full holds every record journaled by then.
        let sent = clock.now
        let records = try await source.records(after: centralHead.seq, limit: settings.batchSize)
        guard !records.isEmpty else {
            let source = source, seq = centralHead.seq, timeout = settings.idleCheckInterval
            await wakeup.race { await source.waitForRecord(after: seq, timeout: timeout) }
            // Nothing new for a while: ask again, so the records channel stays fresh.
            return try await askHighWater(endpoint, known: centralHead)
        }
        try drill.check(endpoint.absoluteString)
        let started = ContinuousClock.now
        let answer = try await transport.push(PushBatch(appliance: appliance, records: records), to: endpoint)
        metrics.pushed(records.count, stored: answer.stored, duration: ContinuousClock.now - started,
                       oldestAgeMillis: clock.wallMillis() - records[0].wallMillis)
        guard answer.highWater.seq >= records[records.count - 1].seq else {
            throw UplinkError.badAnswer("central answered \(answer.highWater) for a batch ending at \(records[records.count - 1].seq)")
        }
        centralHead = answer.highWater
        await succeeded(endpoint, centralHead, answer, sentAt: sent, current: records.count < settings.batchSize)
        return centralHead
    }

    /// Central's mark; current when it holds this journal's head as read before the request.
    /// A mark that moved without us (central restored, or another copy of this appliance) is
    /// checked against this journal before anything is pushed after it.
    private func askHighWater(_ endpoint: URL, known: SyncHead?) async throws -> SyncHead {
        try drill.check(endpoint.absoluteString)
        let sent = clock.now
        let localHead = try await source.head().seq
        let answer = try await transport.highWater(at: endpoint)
        let mark = answer.highWater
        if mark != known { try await checkAgreement(mark) }
        await succeeded(endpoint, mark, answer, sentAt: sent, current: mark.seq >= localHead)
        return mark
    }

    /// Central's mark must name a record this journal holds, with the same hash.
    private func checkAgreement(_ centralHead: SyncHead) async throws {
        guard centralHead.seq > 0 else { return }
        guard let local = try await source.hash(of: centralHead.seq) else {
            throw UplinkError.refused(SyncProblem(.fork, detail: "central holds records up to \(centralHead.seq), beyond this journal's head: restore this appliance from central (docs/disaster-recovery.md)",
                                                  seq: centralHead.seq, highWater: centralHead))
        }
        guard local == centralHead.hash else {
            throw UplinkError.refused(SyncProblem(.fork, detail: "record \(centralHead.seq) differs between this journal and central",
                                                  seq: centralHead.seq, highWater: centralHead))
        }
    }

    private func succeeded(_ endpoint: URL, _ centralHead: SyncHead, _ answer: PushAnswer, sentAt sent: UplinkInstant, current: Bool) async {
        let localHead = try? await source.head().seq
        let now = clock.now
        let drift = UplinkInstant.drift(sent: sent, answered: now, centralMillis: answer.centralMillis)
        tracker.recordsAnswered(endpoint: endpoint.absoluteString, highWater: centralHead.seq, localHead: localHead, clockDriftMillis: drift, at: now)
        tracker.answered(.records, sentAt: sent, current: current)
        let (before, after) = tracker.observe(at: now)
        // Only a current answer is contact: one that is not must not shorten the silence a
        // restart reads back. The send, not the answer, as freshness counts it.
        if current { lastContact?.record(sent.wallMillis, force: before != after) }
        metrics.observe(tracker.current(at: now))
        await onHighWater(centralHead, drift)
        if before != after { await report(before) }
    }

    /// Records the failure and answers how long to wait before the next attempt.
    private func handle(_ error: any Error, selector: inout EndpointSelector, backoff: inout Backoff,
                        random: inout some RandomNumberGenerator) async -> Duration {
        let endpoint = selector.url.absoluteString
        let uplinkError = error as? UplinkError ?? .unreachable("journal: \(error)")
        metrics.failed(uplinkError)
        if uplinkError.isTransient {
            tracker.failed(.records, endpoint: endpoint, error: uplinkError.description)
            if case .refused(let problem) = uplinkError, problem.type == .gap {
                // Central holds less than it said before (restored from its own backup): resend
                // from its mark at once; nothing is wrong on this side.
                logger.warning("central lost records it had acknowledged; resending from its high-water mark",
                               metadata: ["problem": "\(problem)"])
                return .zero
            }
            selector.failOver()
            logger.warning("sync failed; trying the next endpoint after a backoff",
                           metadata: ["endpoint": "\(endpoint)", "next": "\(selector.url.absoluteString)", "error": "\(uplinkError)"])
        } else {
            tracker.refused(endpoint: endpoint, error: uplinkError.description)
            logger.error("central refused this appliance's records; retrying cannot fix this",
                         metadata: ["endpoint": "\(endpoint)", "error": "\(uplinkError)"])
        }
        let now = clock.now
        let change = tracker.observe(at: now)
        metrics.observe(tracker.current(at: now))
        if change.0 != change.1 { await report(change.0) }
        // A refusal needs a person; asking again at the slowest rate shows when it is fixed.
        return uplinkError.isTransient ? backoff.next(using: &random) : settings.retryMax
    }

    private func failBackIfDue(_ selector: inout EndpointSelector) async {
        let now = clock.now
        let (before, after) = tracker.observe(at: now)
        if before != after {
            metrics.observe(tracker.current(at: now))
            await report(before)
        }
        let interval = Int64(settings.failbackInterval / .milliseconds(1))
        for candidate in selector.failbackCandidates(nowMillis: now.wallMillis, intervalMillis: interval) {
            do {
                try drill.check(selector.endpoints[candidate].absoluteString)
                try await transport.checkHealth(of: selector.endpoints[candidate])
                logger.notice("preferred central endpoint healthy again; failing back",
                              metadata: ["endpoint": "\(selector.endpoints[candidate].absoluteString)"])
                selector.use(candidate)
                return
            } catch {
                continue
            }
        }
    }

    /// The drill running, if any.
    public var currentDrill: UplinkDrill? { drill.current }

    /// Starts a drill (false when one is running); the uplink acts on it at once.
    public func startDrill(_ kind: UplinkDrill, by who: String) -> Bool {
        guard drill.start(kind, endpointInUse: connectivity.endpoint) else { return false }
        logger.notice("uplink drill started: nothing is cut", metadata: ["drill": "\(kind.rawValue)", "by": "\(who)"])
        wakeup.signal()
        return true
    }

    /// Ends the drill; the uplink reconnects (and fails back) as it would after a real fault.
    public func endDrill(by who: String) {
        guard let ended = drill.end() else { return }
        logger.notice("uplink drill ended", metadata: ["drill": "\(ended.rawValue)", "by": "\(who)"])
        wakeup.signal()
    }

    /// Ends the current wait (for a record, or a backoff) so the uplink talks to central now.
    public func syncNow() {
        wakeup.signal()
    }

    private func report(_ before: ConnectivityState) async {
        let now = connectivity
        logger.notice("uplink \(before.rawValue) -> \(now.state.rawValue)",
                      metadata: ["endpoint": "\(now.endpoint)", "error": "\(now.lastError ?? "-")"])
        await onStateChange(before, now)
    }
}
