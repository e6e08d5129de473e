public import Foundation
import SyncProtocol

/// How the appliance reaches central (holdfast.yaml, `uplink:`). Every wait and batch is bounded.
public struct UplinkSettings: Sendable, Hashable {
    /// Central's endpoints in priority order; the first healthy one is used.
    public var endpoints: [URL]
    /// This appliance's client certificate and key, and the CA central's certificate must chain to.
    public var certificateFile: String
    public var keyFile: String
    public var centralCAFile: String
    /// Records per push, at most ``PushBatch/maxRecords``.
    public var batchSize: Int
    /// The bound on every request, connection included.
    public var requestTimeout: Duration
    /// Backoff after a failure: doubles from `retryInitial` up to `retryMax`, with jitter.
    public var retryInitial: Duration
    public var retryMax: Duration
    /// How old central's last current answer, on either channel, may be for a bet to count as
    /// online: the longest central can have been unable to stop a bet taken under online limits
    /// (docs/adr/0013-online-means-fresh.md). The feed's long poll and the idle check each ask at
    /// least three times within it.
    public var freshness: Duration
    /// How often a lower-priority endpoint in use checks whether a preferred one is back.
    public var failbackInterval: Duration
    /// With nothing to push, how often central is asked for its high-water mark anyway, so the
    /// records channel stays fresh. Below the freshness bound.
    public var idleCheckInterval: Duration

    public init(endpoints: [URL], certificateFile: String, keyFile: String, centralCAFile: String, batchSize: Int = 500,
                requestTimeout: Duration = .seconds(5), retryInitial: Duration = .milliseconds(200), retryMax: Duration = .seconds(30),
                freshness: Duration = Self.defaultFreshness, failbackInterval: Duration = .seconds(60),
                idleCheckInterval: Duration? = nil) {
        self.endpoints = endpoints
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.centralCAFile = centralCAFile
        self.batchSize = batchSize
        self.requestTimeout = requestTimeout
        self.retryInitial = retryInitial
        self.retryMax = retryMax
        self.freshness = freshness
        self.failbackInterval = failbackInterval
        self.idleCheckInterval = idleCheckInterval ?? Self.heartbeat(within: freshness)
        precondition(self.idleCheckInterval < freshness, "the idle check must come within the freshness bound")
    }

    /// Ten seconds: a past-posting window a venue can accept, and room for three answers.
    public static let defaultFreshness = Duration.seconds(10)

    /// How long the feed asks central to hold a request with nothing to send: a third of the
    /// freshness bound, in whole seconds as the protocol counts (at least one), so an empty page,
    /// central's heartbeat, renews the feed's freshness about three times within the bound.
    public var feedWait: Duration {
        Self.heartbeat(within: freshness)
    }

    public static func heartbeat(within freshness: Duration) -> Duration {
        .seconds(max(1, min(Int64(FeedPage.maxWaitSeconds), (freshness / 3).components.seconds)))
    }
}

/// Where the uplink reads time and waits. Injected so tests and the simulator can drive it.
public protocol UplinkClock: Sendable {
    /// Wall-clock time, milliseconds since the Unix epoch. May jump (NTP, a technician).
    func wallMillis() -> Int64
    /// Monotonic time, nanoseconds. Never goes back within one boot; every duration a limit is
    /// measured with comes from it.
    func monotonicNanos() -> Int64
    func sleep(for duration: Duration) async throws
}

extension UplinkClock {
    /// Now, on both clocks.
    public var now: UplinkInstant {
        UplinkInstant(wallMillis: wallMillis(), monotonicNanos: monotonicNanos())
    }
}
