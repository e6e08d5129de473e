import Foundation
import NIOConcurrencyHelpers

/// Whether this appliance's wall clock may time offline bets (issue 24, hole 3).
///
/// While it runs, every offline limit is measured on the monotonic clock. But a bet's
/// `placedAtMillis` is a wall time, and central judges the bet against its board at that time.
/// A board without a battery-backed clock can come up with an old time, and so can one that
/// loses power during an outage. A wall clock that reads earlier than the last time this
/// appliance wrote down (its journal's head, or central's last contact) is therefore wrong, and
/// offline bets are refused until central answers (its answers carry its clock, and central's
/// freshness makes bets online anyway) or a technician sets the time at the console.
public final class ClockTrust: Sendable {
    public enum Standing: Sendable, Hashable {
        case trusted
        /// The clock read `readingMillis` at start, earlier than `lastKnownMillis`.
        case unsure(readingMillis: Int64, lastKnownMillis: Int64)
    }

    private let standing: NIOLockedValueBox<Standing>
    /// While unsure, the time the clock must reach, kept across restarts: the records journaled
    /// meanwhile carry the wrong clock's times, so the journal's head no longer remembers it.
    private let file: ReplacedFile?

    /// `lastKnownMillis`: the latest wall time this appliance wrote down before the start (its
    /// journal's head, central's last contact); `file` keeps it while the clock is unsure.
    public init(wallNowMillis: Int64, lastKnownMillis: Int64?, file path: String? = nil) {
        file = path.map(ReplacedFile.init(path:))
        let kept = file?.read().flatMap { Int64(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
        let standing: Standing = if let lastKnown = [lastKnownMillis, kept].compactMap({ $0 }).max(), wallNowMillis < lastKnown {
            .unsure(readingMillis: wallNowMillis, lastKnownMillis: lastKnown)
        } else {
            .trusted
        }
        self.standing = NIOLockedValueBox(standing)
        if case .unsure(_, let lastKnown) = standing {
            try? file?.replace(with: Data("\(lastKnown)\n".utf8))
        } else if kept != nil {
            try? FileManager.default.removeItem(atPath: path!)
        }
    }

    public var current: Standing { standing.withLockedValue { $0 } }

    public var isUnsure: Bool { current != .trusted }

    /// Central answered, or a technician set the time. Answers whether the clock was unsure
    /// until now, so the caller can log and journal the change once.
    @discardableResult
    public func settle() -> Bool {
        let wasUnsure = standing.withLockedValue { standing in
            defer { standing = .trusted }
            return standing != .trusted
        }
        if wasUnsure, let file { try? FileManager.default.removeItem(atPath: file.path) }
        return wasUnsure
    }
}
