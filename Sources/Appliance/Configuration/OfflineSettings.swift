public import Wagering

/// What the appliance may do alone while central cannot be reached (holdfast.yaml, `offline:`;
/// docs/sync-protocol.md). Applies only to an appliance with an uplink: one without central is
/// standalone and keeps its normal limits.
public struct OfflineSettings: Sendable {
    public var terms: OfflineTerms
    /// Offline longer than this, no new bets until central answers, across reboots too.
    public var maxOfflineSeconds: Int
    /// The board is as fresh as central's last answer (its feed sends every change): offline,
    /// prices older than this are refused.
    public var priceMaxAgeSeconds: Int
    /// Offline wins of at most this many minor units may be paid before central's verdict; 0 (the
    /// default) waits for every verdict. A venue's choice of risk: a win paid early that central
    /// then voids is money gone, and raises an alert here and at central.
    public var payBeforeVerdictUpTo: Int64
}

extension OfflineSettings {
    static func parse(_ reader: inout ConfigReader, currency: Currency) throws(ConfigurationError) -> OfflineSettings {
        OfflineSettings(
            terms: OfflineTerms(
                maxStakePerBet: try reader.amount("max_stake_per_bet", currency: currency, default: "20.00"),
                maxLiability: try reader.amount("max_liability", currency: currency, default: "2000.00"),
                maxBets: try reader.integer("max_queued_bets", default: 1_000, in: 0...1_000_000)),
            maxOfflineSeconds: try reader.integer("max_offline_seconds", default: 86_400, in: 1...2_592_000),
            priceMaxAgeSeconds: try reader.integer("price_max_age_seconds", default: 3_600, in: 1...2_592_000),
            payBeforeVerdictUpTo: try reader.amount("pay_before_verdict_up_to", currency: currency, default: "0.00", zeroAllowed: true))
    }
}
