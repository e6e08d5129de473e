/// The link to central as terminals, the console and metrics see it.
public enum ConnectivityState: String, Sendable, Hashable, Codable {
    /// Central's answers are fresh on every channel: it could have stopped any bet taken now
    /// (docs/adr/0013-online-means-fresh.md).
    case online
    /// Some channel has not answered within the freshness bound, or its last request failed:
    /// bets carry the offline terms and central's verdict.
    case offline
    /// Central refused this appliance's records (a fork, an unknown certificate): retrying
    /// cannot fix it; a person must. Counts as offline for intake.
    case refused
}

/// The two ways central reaches this appliance. A bet counts as online only while both are fresh:
/// the feed is how central stops bets (a suspension), the records are how it sees them.
public enum CentralChannel: String, Sendable, Hashable, CaseIterable {
    /// Central holds every record journaled before the request (a push or a high-water check).
    case records
    /// The feed answered with everything central had for this appliance (a page not full).
    case feed
}

public struct Connectivity: Sendable, Hashable {
    public var state: ConnectivityState
    /// When the current state began, wall milliseconds (for people: offline and refused are
    /// derived from the monotonic silence, so a stepped clock cannot move them).
    public var sinceMillis: Int64
    /// When central last answered a records request, wall milliseconds.
    public var lastSuccessMillis: Int64?
    /// How long since central last held every record here, on the monotonic clock: the time
    /// offline the offline limit is measured with.
    public var recordsSilentMillis: Int64
    /// How long since the feed last answered caught up, on the monotonic clock: the age of every
    /// price on the board. Nil when the feed is not tracked (a records-only uplink).
    public var feedSilentMillis: Int64?
    /// The endpoint in use, and the last failure, for the console.
    public var endpoint: String
    public var lastError: String?
    /// The last record central acknowledged as durable, and this appliance's journal head.
    public var centralHighWater: Int64?
    public var localHead: Int64?
    /// This appliance's wall clock minus central's, from the last answer (half the round trip
    /// taken as the answer's age); positive: this clock is ahead.
    public var clockDriftMillis: Int64?

    /// Records journaled here that central has not yet acknowledged.
    public var backlog: Int64? {
        guard let centralHighWater, let localHead else { return nil }
        return max(0, localHead - centralHighWater)
    }

    /// The longest silence of the channels tracked: what decides freshness and the offline start.
    public var silentMillis: Int64 {
        max(recordsSilentMillis, feedSilentMillis ?? 0)
    }
}

/// A moment on both clocks: the wall clock for people and records, the monotonic clock for every
/// duration a limit is measured with (a wall clock can be stepped by NTP or a technician; the
/// monotonic one cannot, within one boot).
public struct UplinkInstant: Sendable, Hashable {
    public var wallMillis: Int64
    public var monotonicNanos: Int64

    public init(wallMillis: Int64, monotonicNanos: Int64) {
        self.wallMillis = wallMillis
        self.monotonicNanos = monotonicNanos
    }
}

extension UplinkInstant {
    /// The latest central clock reading taken seriously (2100-01-01): a reading no real clock
    /// gives is ignored, so a broken or hostile central cannot overflow the arithmetic on it.
    static let latestCentralMillis: Int64 = 4_102_444_800_000

    /// This clock minus central's, from an exchange sent at `sent` and answered at `answered`
    /// with central's clock reading `centralMillis` (central answered, on average, halfway
    /// through); nil without a reading, or with one outside 1970-2100.
    public static func drift(sent: UplinkInstant, answered: UplinkInstant, centralMillis: Int64?) -> Int64? {
        guard let centralMillis, (0...latestCentralMillis).contains(centralMillis) else { return nil }
        return sent.wallMillis / 2 + answered.wallMillis / 2 - centralMillis
    }
}

