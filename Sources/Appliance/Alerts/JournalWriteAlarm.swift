public import Journal
import NIOConcurrencyHelpers

/// The alert for a journal that cannot write. The failure itself cannot be journaled (that is
/// the failure), so the local hook is raised when it begins, and the record central raises the
/// alert from is written by the first write that succeeds, saying how long the journal could not
/// write and why. That record is also the probe: when no bet comes to find the journal writable
/// again, it is tried once per probe interval.
public final class JournalWriteAlarm: Sendable {
    static let category = "journal.cannot_write"
    private let raised = NIOLockedValueBox<(failure: JournalWriteFailure, lastProbe: ContinuousClock.Instant)?>(nil)

    init() {}

    /// The failure the alert was raised for, until its record is journaled.
    public var raisedFor: JournalWriteFailure? { raised.withLockedValue { $0?.failure } }

    private enum Step {
        case none, raise(JournalWriteFailure), probe(JournalWriteFailure)
    }

    /// One look at the journal: raises the alert when a failure begins; once raised, journals
    /// its record as soon as a write has succeeded, or tries to every `probeInterval`.
    func check(_ service: ApplianceService, probeInterval: Duration) async {
        let current = service.journal.writeFailure
        let now = ContinuousClock.now
        let step: Step = raised.withLockedValue { state in
            guard let open = state else {
                guard let current else { return .none }
                state = (current, now)
                return .raise(current)
            }
            guard current == nil || now - open.lastProbe >= probeInterval else { return .none }
            state?.lastProbe = now
            return .probe(open.failure)
        }
        switch step {
        case .none:
            return
        case .raise(let failure):
            service.logger.critical("\(Self.category): \(failure.description)")
            service.alertHook.raise(Self.category, failure.description)
        case .probe(let failure):
            let seconds = max(0, (service.clock.wallMillis() - failure.sinceWallMillis) / 1_000)
            let message = "the journal could not write for \(seconds) s from wall time \(failure.sinceWallMillis) ms "
                + "(\(failure.failedBatches) batches refused): \(failure.reason)"
            guard (try? await service.journal.apply(.record(category: Self.category, message: String(message.prefix(300))))) != nil else { return }
            raised.withLockedValue { $0 = nil }
            service.logger.notice("the journal writes again", metadata: ["was": "\(failure.reason)", "after_s": "\(seconds)"])
        }
    }
}
