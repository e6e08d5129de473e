import Metrics
import NIOConcurrencyHelpers

/// Refused terminal requests, tallied per window rather than journaled one by one: a stranger on
/// the venue LAN sending bad signatures must not be able to fill the journal. The health monitor
/// journals each window's summary (`auth.failed`), and raises `auth.failed_burst`, an alert, when a
/// window holds at least ``AlertSettings/authFailuresPerWindow``.
public final class AuthFailureLog: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case missingHeader = "missing header"
        case repeatedHeader = "repeated header"
        case badSignature = "unknown terminal or bad signature"
        case staleTimestamp = "timestamp out of skew"
        case badNonce = "malformed nonce"
        case replayed = "replayed nonce"
        case disabled = "disabled terminal"
        case wrongRole = "kiosk on a staff-only call"
    }

    /// One window's tally. Terminal ids are what the request claimed (anyone can claim any), so
    /// only the first few are named and each is cut short.
    public struct Window: Sendable, Equatable {
        public var total = 0
        public var byKind: [Kind: Int] = [:]
        public var byTerminal: [String: Int] = [:]
        public var otherTerminals = 0

        public var summary: String {
            let kinds = Kind.allCases.compactMap { kind in byKind[kind].map { "\($0) \(kind.rawValue)" } }.joined(separator: ", ")
            let named = byTerminal.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "'\($0.key)' \($0.value)" }
            let others = otherTerminals > 0 ? ["others \(otherTerminals)"] : []
            return "\(total) terminal requests refused (\(kinds)); claimed terminals: \((named + others).joined(separator: ", "))"
        }
    }

    static let namedTerminals = 8
    static let terminalIDLength = 32
    private let window = NIOLockedValueBox(Window())
    /// Made once: a stranger's requests come as fast as the network allows.
    private let counters: [Kind: Counter]

    init() {
        counters = Dictionary(uniqueKeysWithValues: Kind.allCases.map {
            ($0, Counter(label: "holdfast_auth_failures_total", dimensions: [("reason", "\($0)")]))
        })
    }

    public func note(_ kind: Kind, claimedTerminal: String) {
        counters[kind]?.increment()
        let printable = String(claimedTerminal.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.prefix(Self.terminalIDLength))
        window.withLockedValue { window in
            window.total += 1
            window.byKind[kind, default: 0] += 1
            if window.byTerminal[printable] != nil || window.byTerminal.count < Self.namedTerminals {
                window.byTerminal[printable, default: 0] += 1
            } else {
                window.otherTerminals += 1
            }
        }
    }

    /// The window so far, which starts a new one; nil when nothing was refused in it.
    func closeWindow() -> Window? {
        window.withLockedValue { window in
            defer { window = Window() }
            return window.total > 0 ? window : nil
        }
    }
}
