import Foundation
import NIOConcurrencyHelpers
public import Wagering

/// Which configured terminals are disabled by a technician (kept in `<data_dir>/disabled-terminals`
/// so a stolen kiosk stays locked out across a reboot), and when each was last seen.
public final class TerminalAccess: Sendable {
    private let path: String
    private let disabled: NIOLockedValueBox<Set<String>>
    private let lastSeen = NIOLockedValueBox<[String: Int64]>([:])

    public init(dataDirectory: String) {
        path = dataDirectory + "/disabled-terminals"
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        disabled = NIOLockedValueBox(Set(text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }))
    }

    public func isDisabled(_ id: TerminalID) -> Bool {
        disabled.withLockedValue { $0.contains(id.rawValue) }
    }

    /// Disables or enables a terminal; the list is written before this returns.
    public func set(_ id: TerminalID, disabled isDisabled: Bool) throws {
        let list = disabled.withLockedValue { set -> [String] in
            if isDisabled { set.insert(id.rawValue) } else { set.remove(id.rawValue) }
            return set.sorted()
        }
        let text = list.map { $0 + "\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public func seen(_ id: TerminalID, atMillis now: Int64) {
        lastSeen.withLockedValue { $0[id.rawValue] = now }
    }

    public func lastSeenMillis(_ id: TerminalID) -> Int64? {
        lastSeen.withLockedValue { $0[id.rawValue] }
    }
}
