/// What a power source reports, whatever it is (GPIO lines, a NUT server, the simulator). Fields a
/// source cannot know are nil: a GPIO HAT has no charge percentage, a NUT UPS no separate
/// low-battery line.
public struct PowerObservation: Hashable, Sendable {
    /// Mains present (NUT `OL`, an AC-OK line high) or lost (`OB`, the power-loss line active).
    public var acPresent: Bool?
    /// The UPS says the battery is low (NUT `LB`, a low-battery line).
    public var batteryLow: Bool?
    public var chargePercent: Int?
    public var runtimeSeconds: Int?
    /// The UPS or its server ordered a shutdown (NUT `FSD`).
    public var forcedShutdown: Bool

    public init(acPresent: Bool?, batteryLow: Bool? = nil, chargePercent: Int? = nil, runtimeSeconds: Int? = nil,
                forcedShutdown: Bool = false) {
        self.acPresent = acPresent
        self.batteryLow = batteryLow
        self.chargePercent = chargePercent
        self.runtimeSeconds = runtimeSeconds
        self.forcedShutdown = forcedShutdown
    }
}

/// One event from a power source: a reading, or news about the source itself.
public enum PowerSourceEvent: Hashable, Sendable {
    case observed(PowerObservation)
    /// The source cannot currently be read (NUT `DATA-STALE`, `DRIVER-NOT-CONNECTED`, upsd gone,
    /// a GPIO chip missing). The supervisor decides what that means, as NUT's upsmon does.
    case stale(reason: String)
}
