import NIOConcurrencyHelpers

/// Turns central's answers into the connectivity state. The link is online only while every
/// tracked channel has answered current within the freshness bound, measured on the monotonic
/// clock from the moment the answered request was *sent* (central's state at the answer is at
/// least that new), and no request on it has failed since. There is no grace period: from the
/// first missed or failed answer, bets are taken under the offline terms (docs/adr/0013).
///
/// The state is computed when read, so intake never acts on a stale one; `observe` records the
/// transitions for logs, metrics and the journal.
public final class ConnectivityTracker: Sendable {
    private struct Channel {
        /// Monotonic nanos at which the last current answer's request was sent; nil: none this run.
        var freshAt: Int64?
        /// A request failed after that answer: not fresh until the next current one.
        var failed = false
    }

    private struct State {
        var link: Connectivity
        var refused = false
        var channels: [CentralChannel: Channel]
    }

    private let state: NIOLockedValueBox<State>
    private let freshnessNanos: Int64
    /// Per channel, stands for "the last current answer" before this run's first one: the start,
    /// less the silence its contact file implies.
    private let silenceOrigins: [CentralChannel: Int64]

    /// A silence this run cannot know: a wall clock reading earlier than a contact written down
    /// (ten years, far past any offline limit, and far from overflowing in nanoseconds).
    static let unknownSilenceMillis: Int64 = 10 * 365 * 86_400_000

    /// `lastContactMillis`: per channel, when central last answered it current before this start
    /// (see ``LastContactFile``), so an appliance rebooted while offline counts each silence from
    /// then, not from the boot. A channel with no contact written down counts from the start; one
    /// whose contact is later than the wall clock has an unknown silence, past every limit, until
    /// central answers it.
    public init(endpoint: String, freshness: Duration, channels: Set<CentralChannel>, startedAt start: UplinkInstant,
                lastContactMillis: [CentralChannel: Int64] = [:]) {
        precondition(channels.contains(.records), "the records channel is always tracked")
        precondition(freshness > .zero, "a freshness bound is positive")
        freshnessNanos = Int64(freshness / .nanoseconds(1))
        func silentBeforeStart(_ channel: CentralChannel) -> Int64 {
            guard let contact = lastContactMillis[channel] else { return 0 }
            return contact > start.wallMillis ? Self.unknownSilenceMillis : start.wallMillis - contact
        }
        silenceOrigins = Dictionary(uniqueKeysWithValues: channels.map { ($0, start.monotonicNanos - silentBeforeStart($0) * 1_000_000) })
        let silent = channels.map(silentBeforeStart).max() ?? 0
        let link = Connectivity(state: .offline, sinceMillis: start.wallMillis - silent, lastSuccessMillis: lastContactMillis[.records],
                                recordsSilentMillis: silentBeforeStart(.records),
                                feedSilentMillis: channels.contains(.feed) ? silentBeforeStart(.feed) : nil, endpoint: endpoint)
        state = NIOLockedValueBox(State(link: link, channels: Dictionary(uniqueKeysWithValues: channels.map { ($0, Channel()) })))
    }

    /// The link as it stands at `now`.
    public func current(at now: UplinkInstant) -> Connectivity {
        state.withLockedValue { Self.evaluate($0, at: now, freshness: freshnessNanos, origins: silenceOrigins) }
    }

    /// Records the state at `now` as the reported one; answers it before and after, so the caller
    /// can log and journal a change.
    @discardableResult
    public func observe(at now: UplinkInstant) -> (ConnectivityState, ConnectivityState) {
        state.withLockedValue { state in
            let before = state.link.state
            state.link = Self.evaluate(state, at: now, freshness: freshnessNanos, origins: silenceOrigins)
            return (before, state.link.state)
        }
    }

    /// When the last current answer on `channel` was sent, in monotonic nanos; nil if none this
    /// run, or a request failed since. An in-play bet's decision waits until this is later than
    /// the end of its delay: central had then committed every change it made in the window.
    public func lastCurrentSend(_ channel: CentralChannel) -> Int64? {
        state.withLockedValue { state in
            guard let tracked = state.channels[channel], !tracked.failed else { return nil }
            return tracked.freshAt
        }
    }

    /// A request on `channel`, sent at `sentAt`, was answered. `current`: the answer showed
    /// central up to date as of the send (it held every record journaled before it; the feed page
    /// was not full). An answer that is not current proves central alive but not that it could
    /// stop a bet, so it leaves the channel as it was.
    public func answered(_ channel: CentralChannel, sentAt: UplinkInstant, current: Bool) {
        state.withLockedValue { state in
            guard current, var tracked = state.channels[channel] else { return }
            tracked.freshAt = max(tracked.freshAt ?? .min, sentAt.monotonicNanos)
            tracked.failed = false
            state.channels[channel] = tracked
            // Only a current answer ends a refusal: central answering its mark while it refuses
            // the pushes would otherwise flap refused and offline at every retry.
            if channel == .records { state.refused = false }
        }
    }

    /// A records request was answered: the figures for the console and metrics.
    public func recordsAnswered(endpoint: String, highWater: Int64, localHead: Int64?, clockDriftMillis: Int64?, at now: UplinkInstant) {
        state.withLockedValue { state in
            state.link.lastSuccessMillis = now.wallMillis
            state.link.endpoint = endpoint
            state.link.lastError = nil
            state.link.centralHighWater = highWater
            if let localHead { state.link.localHead = localHead }
            if let clockDriftMillis { state.link.clockDriftMillis = clockDriftMillis }
        }
    }

    /// A request on `channel` failed: the channel is not fresh until its next current answer.
    public func failed(_ channel: CentralChannel, endpoint: String, error: String) {
        state.withLockedValue { state in
            state.channels[channel]?.failed = true
            if channel == .records { state.link.endpoint = endpoint }
            state.link.lastError = channel == .records ? error : "feed: \(error)"
        }
    }

    /// Central refused the appliance's records; stays so until a records request is answered.
    /// The silence runs on from the last current answer, so a refusal never restarts the time
    /// offline, however often central answers in between.
    public func refused(endpoint: String, error: String) {
        state.withLockedValue { state in
            state.refused = true
            state.channels[.records]?.failed = true
            state.link.endpoint = endpoint
            state.link.lastError = error
        }
    }

    public func noteLocalHead(_ head: Int64) {
        state.withLockedValue { $0.link.localHead = head }
    }

    private static func evaluate(_ state: State, at now: UplinkInstant, freshness: Int64, origins: [CentralChannel: Int64]) -> Connectivity {
        var link = state.link
        func silence(_ channel: CentralChannel) -> Int64? {
            state.channels[channel].map { max(0, now.monotonicNanos - ($0.freshAt ?? origins[channel, default: now.monotonicNanos])) / 1_000_000 }
        }
        link.recordsSilentMillis = silence(.records) ?? 0
        link.feedSilentMillis = silence(.feed)
        let fresh = state.channels.values.allSatisfy { channel in
            guard let freshAt = channel.freshAt, !channel.failed else { return false }
            return now.monotonicNanos - freshAt <= freshness
        }
        let computed: ConnectivityState = state.refused ? .refused : fresh ? .online : .offline
        switch computed {
        case .online:
            if state.link.state != .online { link.sinceMillis = now.wallMillis }
        case .offline, .refused:
            link.sinceMillis = now.wallMillis - link.silentMillis
        }
        link.state = computed
        return link
    }
}
