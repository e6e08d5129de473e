/// When to shut down, modelled on NUT upsmon and apcupsd settings (docs/power.md). Durations are
/// in milliseconds of the supervisor's clock.
public struct PowerPolicy: Hashable, Sendable {
    /// How long on battery before the on-battery alert is raised (apcupsd ONBATTERYDELAY); brief
    /// blips do not page anyone. The switch to zero group-commit delay happens at once.
    public var onBatteryAlertDelayMillis: Int64
    /// Shut down when the charge falls to this (apcupsd BATTERYLEVEL); nil: ignore charge.
    public var minimumChargePercent: Int?
    /// Shut down when the estimated runtime falls to this (apcupsd MINUTES); nil: ignore runtime.
    public var minimumRuntimeSeconds: Int?
    /// Shut down after this long on battery whatever the battery says (apcupsd TIMEOUT); nil: never.
    public var maximumOnBatteryMillis: Int64?
    /// Obey a forced shutdown from the UPS or its server (NUT FSD).
    public var honourForcedShutdown: Bool
    /// A source that stays stale this long while last seen on battery counts as low battery
    /// (NUT upsmon's DEADTIME rule).
    public var deadTimeMillis: Int64
    /// Between closing intake and the shutdown command (NUT FINALDELAY): in-flight bets finish,
    /// the WAL is checkpointed, a final sync is tried. Mains returning before it ends resumes.
    public var finalDelayMillis: Int64

    public init(onBatteryAlertDelayMillis: Int64 = 5_000, minimumChargePercent: Int? = 20, minimumRuntimeSeconds: Int? = 120,
                maximumOnBatteryMillis: Int64? = nil, honourForcedShutdown: Bool = true, deadTimeMillis: Int64 = 15_000,
                finalDelayMillis: Int64 = 5_000) {
        self.onBatteryAlertDelayMillis = onBatteryAlertDelayMillis
        self.minimumChargePercent = minimumChargePercent
        self.minimumRuntimeSeconds = minimumRuntimeSeconds
        self.maximumOnBatteryMillis = maximumOnBatteryMillis
        self.honourForcedShutdown = honourForcedShutdown
        self.deadTimeMillis = deadTimeMillis
        self.finalDelayMillis = finalDelayMillis
    }
}
