public import Uplink

/// The uplink as the control socket reports it (`holdfast drill`, operations scripts).
public struct UplinkStatus: Codable, Sendable, Hashable {
    public var state: String
    public var sinceMillis: Int64
    public var endpoint: String
    public var lastError: String?
    public var centralHighWater: Int64?
    public var backlog: Int64?
    public var drill: String?

    public init(_ link: Connectivity, drill: UplinkDrill?) {
        state = link.state.rawValue
        sinceMillis = link.sinceMillis
        endpoint = link.endpoint
        lastError = link.lastError
        centralHighWater = link.centralHighWater
        backlog = link.backlog
        self.drill = drill?.rawValue
    }
}
