public import Wagering

/// How in-play bets wait out their delay (holdfast.yaml, `in_play:`; docs/adr/0014-in-play-delay.md).
public struct InPlaySettings: Sendable {
    /// The delay, its floor per market, and how many bets may wait at once.
    public var rules: InPlayRules
    /// A pending bet not decided this long after its placing (or the restart that found it) is
    /// declined as `undecided_in_time`: central's feed was not heard after its delay.
    public var maxPendingSeconds: Int
}

extension InPlaySettings {
    static func parse(_ reader: inout ConfigReader) throws(ConfigurationError) -> InPlaySettings {
        // A floor of at least a second: nobody at the venue can turn the delay off.
        let delay = try reader.integer("delay_seconds", default: InPlayRules.standard.floorSeconds, in: 1...InPlayRules.delayRange.upperBound)
        let perTerminal = try reader.integer("max_pending_per_terminal", default: InPlayRules.standard.maxPendingPerTerminal, in: 1...16)
        let total = try reader.integer("max_pending", default: InPlayRules.standard.maxPending, in: 1...10_000)
        guard total >= perTerminal else {
            throw ConfigurationError(key: "in_play.max_pending", line: nil, problem: "must be at least in_play.max_pending_per_terminal (\(perTerminal))")
        }
        // Central may set a market's delay up to 30 s; the feed must then still be heard in time.
        let maxPending = try reader.integer("max_pending_seconds", default: 60, in: 31...600)
        return InPlaySettings(rules: InPlayRules(floorSeconds: delay, maxPendingPerTerminal: perTerminal, maxPending: total),
                              maxPendingSeconds: maxPending)
    }
}
