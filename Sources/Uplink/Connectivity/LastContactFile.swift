import Foundation
import NIOConcurrencyHelpers

/// When central last answered, kept in a small file so that the time offline survives a reboot:
/// an appliance past its offline time limit stays refused after a restart until central answers.
/// Rewritten at most every `interval` while online (and whenever the link comes back), so after
/// a power cut it is at most that old: the offline time it implies errs long, never short.
public final class LastContactFile: Sendable {
    private let file: StoredNumber
    private let intervalMillis: Int64
    private let lastWrittenMillis = NIOLockedValueBox<Int64>(0)

    public init(path: String, interval: Duration = .seconds(30)) {
        file = StoredNumber(path: path)
        intervalMillis = Int64(interval / .milliseconds(1))
    }

    /// The time written down, or nil when there is none (a new appliance).
    public func read() -> Int64? {
        file.read()
    }

    func record(_ millis: Int64, force: Bool) {
        let due = lastWrittenMillis.withLockedValue { last -> Bool in
            guard force || millis - last >= intervalMillis else { return false }
            last = millis
            return true
        }
        if due { file.write(millis) }
    }
}
