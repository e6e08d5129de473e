import Foundation
import NIOConcurrencyHelpers
public import Logging
import Metrics
import Randomness
public import ServiceLifecycle
public import SyncProtocol

/// Reads central's feed for this appliance in cursor order, with a long poll, and hands each item
/// to `apply`, which journals it. The cursor is written down after each page is applied, so after
/// a crash the last page is read again: applying an item twice must be harmless (a market
/// republished, a result or a void already applied is refused and skipped).
public final class FeedService: Service, Sendable {
    public typealias Apply = @Sendable (FeedItem) async throws -> Void

    private let settings: UplinkSettings
    private let transport: any SyncTransport
    private let cursorFile: StoredNumber
    private let clock: any UplinkClock
    private let apply: Apply
    private let tracker: ConnectivityTracker?
    private let lastContact: LastContactFile?
    private let logger: Logger
    /// Cuts the long poll short for a request that central answers at once (``readNow(ifSentBy:)``).
    private let prompt = Wakeup()
    /// The request in flight: when it was sent (monotonic nanos) and how long central may hold it.
    private let inFlight = NIOLockedValueBox<(sentNanos: Int64, wait: Duration)?>(nil)
    private let applied = Counter(label: "holdfast_feed_items_applied_total")
    private let cursorGauge = Gauge(label: "holdfast_feed_cursor")

    /// `tracker`: told of every page, so the link counts as online only while the feed, the way
    /// central stops bets, answers within the freshness bound. `lastContact`: the feed's own last
    /// current answer, so a restart knows how old the board's prices are.
    public init(settings: UplinkSettings, transport: any SyncTransport, cursorFile: String, clock: any UplinkClock, logger: Logger,
                tracker: ConnectivityTracker? = nil, lastContact: LastContactFile? = nil, apply: @escaping Apply) {
        self.settings = settings
        self.transport = transport
        self.cursorFile = StoredNumber(path: cursorFile)
        self.clock = clock
        self.apply = apply
        self.tracker = tracker
        self.lastContact = lastContact
        self.logger = logger
    }

    /// The last cursor applied and written down (0: none yet).
    public var cursor: Int64 {
        cursorFile.read() ?? 0
    }

    /// Asks the reader to end its long poll and ask again at once, without waiting, if the poll
    /// in flight was sent at or before `sentBy` (monotonic nanos): an in-play bet's decision
    /// needs an answer to a request sent after its delay, and an idle long poll would otherwise
    /// hold it for the whole wait. A request sent later, or one central answers at once, is
    /// what the decision needs and is left alone. Still the one reader, so a page from an
    /// earlier request can never be applied after a later one.
    public func readNow(ifSentBy sentBy: Int64) {
        let cut = inFlight.withLockedValue { request in
            guard let request else { return false }
            return request.wait > .zero && request.sentNanos <= sentBy
        }
        if cut { prompt.signal() }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop(random: SystemRandom()) }
    }

    private func loop(random: some RandomNumberGenerator) async {
        var random = random
        var endpoint = 0
        var backoff = Backoff(initial: settings.retryInitial, maximum: settings.retryMax)
        var cursor = self.cursor
        var wait = settings.feedWait
        while !Task.isCancelled {
            do {
                // Central holds the request at most the heartbeat wait, so even an empty page
                // renews the feed's freshness several times within the bound.
                let sent = clock.now
                guard let page = try await read(after: cursor, wait: wait, sent: sent, at: settings.endpoints[endpoint]) else {
                    wait = .zero
                    continue
                }
                wait = settings.feedWait
                // Central sends only items after the cursor asked for; one at or below the
                // cursor would take the board back to an older state, whoever sent it.
                for item in page.items where item.cursor > cursor {
                    try await apply(item)
                    applied.increment()
                }
                if page.cursor > cursor {
                    cursor = page.cursor
                    write(cursor)
                    cursorGauge.record(cursor)
                }
                // Only a page that is not full holds everything central had at the send.
                let current = page.items.count < FeedPage.maxItems
                tracker?.answered(.feed, sentAt: sent, current: current)
                if current { lastContact?.record(sent.wallMillis, force: false) }
                backoff.reset()
            } catch {
                if Task.isCancelled { break }
                tracker?.failed(.feed, endpoint: settings.endpoints[endpoint].absoluteString, error: "\(error)")
                endpoint = (endpoint + 1) % settings.endpoints.count
                let wait = backoff.next(using: &random)
                logger.warning("feed read failed; retrying", metadata: ["error": "\(error)", "cursor": "\(cursor)", "retry_in": "\(wait)"])
                try? await clock.sleep(for: wait)
            }
        }
    }

    /// One page, or nil when ``readNow()`` cut the request short (its answer, if any, is dropped;
    /// the next request reads the same items again).
    private func read(after cursor: Int64, wait: Duration, sent: UplinkInstant, at endpoint: URL) async throws -> FeedPage? {
        // A prompt kept from before was about an earlier request; this one is sent after it.
        prompt.discardKept()
        inFlight.withLockedValue { $0 = (sent.monotonicNanos, wait) }
        defer { inFlight.withLockedValue { $0 = nil } }
        return try await withThrowingTaskGroup(of: FeedPage?.self) { group in
            group.addTask { try await self.transport.feed(after: cursor, wait: wait, at: endpoint) }
            group.addTask {
                await self.prompt.next()
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    private func write(_ cursor: Int64) {
        if !cursorFile.write(cursor) {
            logger.error("feed cursor not written; items will be read again after a restart", metadata: ["path": "\(cursorFile.path)"])
        }
    }
}
