public import Foundation

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
    /// How long without central's answer before the appliance counts as offline.
    public var offlineGrace: Duration
    /// How often a lower-priority endpoint in use checks whether a preferred one is back.
    public var failbackInterval: Duration
    /// With nothing to push, how often central is asked for its high-water mark anyway, so the
    /// connectivity shown is never older than this.
    public var idleCheckInterval: Duration

    public init(endpoints: [URL], certificateFile: String, keyFile: String, centralCAFile: String, batchSize: Int = 500,
                requestTimeout: Duration = .seconds(5), retryInitial: Duration = .milliseconds(200), retryMax: Duration = .seconds(30),
                offlineGrace: Duration = .seconds(60), failbackInterval: Duration = .seconds(60),
                idleCheckInterval: Duration = .seconds(10)) {
        self.endpoints = endpoints
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.centralCAFile = centralCAFile
        self.batchSize = batchSize
        self.requestTimeout = requestTimeout
        self.retryInitial = retryInitial
        self.retryMax = retryMax
        self.offlineGrace = offlineGrace
        self.failbackInterval = failbackInterval
        self.idleCheckInterval = idleCheckInterval
    }
}

/// Where the uplink reads time and waits. Injected so tests and the simulator can drive it.
public protocol UplinkClock: Sendable {
    /// Wall-clock time, milliseconds since the Unix epoch.
    func wallMillis() -> Int64
    func sleep(for duration: Duration) async throws
}
