import NIOConcurrencyHelpers

/// The appliance's operating mode (ARCHITECTURE.md, "Operating modes"). Power and uplink are separate
/// axes; the mode is what they add up to for a kiosk's banner.
public enum OperatingMode: String, Sendable, CaseIterable {
    case recovering
    case online
    case offline
    case onBattery = "on_battery"
    case shuttingDown = "shutting_down"
}

/// Why new bets are refused, when they are.
public enum IntakeClosure: Sendable, Hashable, CustomStringConvertible {
    /// The power supervisor is shutting the appliance down (low battery, forced shutdown).
    case power(String)
    /// holdfastd is stopping (SIGTERM) or the journal is closing.
    case shutdown
    /// The journal cannot be written safely.
    case journal(String)
    /// The software or its configuration does not match the manifest (a regulator's requirement).
    case integrity(String)

    public var description: String {
        switch self {
        case .power(let why): "power: \(why)"
        case .shutdown: "the appliance is shutting down"
        case .journal(let why): "journal: \(why)"
        case .integrity(let why): "software integrity: \(why)"
        }
    }
}

/// Whether bets are taken. One gate, closed by whoever must stop intake (power supervisor,
/// shutdown) and read on every placement.
public final class IntakeGate: Sendable {
    private let closure = NIOLockedValueBox<IntakeClosure?>(nil)

    public init() {}

    public var closedReason: IntakeClosure? { closure.withLockedValue { $0 } }

    public func close(_ reason: IntakeClosure) {
        closure.withLockedValue { current in
            if current == nil { current = reason }
        }
    }

    /// Reopens intake if, and only if, power closed it (a shutdown stays closed).
    public func reopenAfterPower() {
        closure.withLockedValue { current in
            if case .power = current { current = nil }
        }
    }
}
