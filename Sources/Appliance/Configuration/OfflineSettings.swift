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
    /// How much of an offline win may be paid before central's verdict (`pay_before_verdict_up_to`
    /// per ticket, `pay_before_verdict_total` paid above the stakes over all such wins awaiting
    /// their verdicts); none by default. A venue's choice of risk: a win paid early that central
    /// then voids is money gone, and raises an alert here and at central. The total is at most
    /// `max_liability`, the offline risk the venue already accepts.
    public var earlyPayout: EarlyPayoutLimits
    /// How long a bet taken offline must have awaited central's verdict before a technician may
    /// enter one at the console (`verdict`): long enough that central has had every chance.
    public var manualVerdictAfterHours: Int
}

extension OfflineSettings {
    static func parse(_ reader: inout ConfigReader, currency: Currency) throws(ConfigurationError) -> OfflineSettings {
        let terms = OfflineTerms(
            maxStakePerBet: try reader.amount("max_stake_per_bet", currency: currency, default: "20.00"),
            maxLiability: try reader.amount("max_liability", currency: currency, default: "2000.00"),
            maxBets: try reader.integer("max_queued_bets", default: 1_000, in: 0...1_000_000))
        return OfflineSettings(
            terms: terms,
            maxOfflineSeconds: try reader.integer("max_offline_seconds", default: 86_400, in: 1...2_592_000),
            priceMaxAgeSeconds: try reader.integer("price_max_age_seconds", default: 3_600, in: 1...2_592_000),
            earlyPayout: try parseEarlyPayout(&reader, currency: currency, maxLiability: terms.maxLiability),
            manualVerdictAfterHours: try reader.integer("manual_verdict_after_hours", default: 24, in: 1...720))
    }

    private static func parseEarlyPayout(_ reader: inout ConfigReader, currency: Currency,
                                         maxLiability: Int64) throws(ConfigurationError) -> EarlyPayoutLimits {
        let perTicket = try reader.amount("pay_before_verdict_up_to", currency: currency, default: "0.00", zeroAllowed: true)
        // Ten such wins paid in full above their stakes, unless set.
        let total = try reader.optionalAmount("pay_before_verdict_total", currency: currency) ?? min(maxLiability, perTicket.multipliedReportingOverflow(by: 10).partialValue)
        guard total <= maxLiability else {
            throw ConfigurationError(key: "offline.pay_before_verdict_total", line: nil, problem: """
                must be at most offline.max_liability (\(Money(minorUnits: maxLiability, currency: currency))): \
                wins paid before their verdicts are offline risk too
                """)
        }
        guard perTicket == 0 || total > 0 else {
            throw ConfigurationError(key: "offline.pay_before_verdict_total", line: nil,
                                     problem: "must be more than zero while offline.pay_before_verdict_up_to is set")
        }
        return EarlyPayoutLimits(perTicket: perTicket, total: total)
    }
}
