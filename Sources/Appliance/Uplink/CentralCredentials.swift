import Foundation
import NIOConcurrencyHelpers
import SyncProtocol
import TerminalProtocol
public import Wagering

/// Terminals and technicians provisioned (or revoked) by central's feed, layered over the
/// configuration file: central's word on an id wins, a revocation included. Kept in a file in the
/// data directory (mode 0600, replaced atomically) so they hold across a reboot while offline.
public final class CentralCredentials: Sendable {
    struct Stored: Codable {
        var terminals: [String: TerminalGrant] = [:]
        var technicians: [String: TechnicianGrant] = [:]
    }

    private let file: ReplacedFile
    private let stored: NIOLockedValueBox<Stored>

    init(dataDirectory: String) {
        file = ReplacedFile(path: dataDirectory + "/central.credentials.json")
        let loaded = file.read().flatMap { try? JSONDecoder().decode(Stored.self, from: $0) }
        stored = NIOLockedValueBox(loaded ?? Stored())
    }

    /// Central's grant for `id`: `.some(nil)` when central revoked it, nil when central never named it.
    func terminal(_ id: TerminalID) -> TerminalCredential?? {
        guard let grant = stored.withLockedValue({ $0.terminals[id.rawValue] }) else { return nil }
        guard !grant.revoked, let hex = grant.secret, let secret = TerminalSecret(hex: hex), let role = TerminalRole(rawValue: grant.role) else {
            return .some(nil)
        }
        return .some(TerminalCredential(id: id, role: role, secret: secret, limits: nil))
    }

    func technician(named name: String) -> ConsoleSettings.Technician?? {
        guard let grant = stored.withLockedValue({ $0.technicians[name] }) else { return nil }
        guard !grant.revoked, let text = grant.pinHash, let pin = PINHash(text) else { return .some(nil) }
        return .some(ConsoleSettings.Technician(name: name, pin: pin))
    }

    var hasTechnicians: Bool { stored.withLockedValue { $0.technicians.values.contains { !$0.revoked } } }

    /// Records a grant and writes the file before it takes effect; throws when the file cannot be written.
    func apply(_ grant: TerminalGrant) throws {
        try update { $0.terminals[grant.id] = grant }
    }

    func apply(_ grant: TechnicianGrant) throws {
        try update { $0.technicians[grant.name] = grant }
    }

    private func update(_ change: (inout Stored) -> Void) throws {
        try stored.withLockedValue { current in
            var next = current
            change(&next)
            try file.replace(with: try JSONEncoder().encode(next), mode: 0o600)
            current = next
        }
    }
}

extension ApplianceService {
    /// The terminal allowed to sign as `id`: central's grant when it named the id, else the
    /// configuration's.
    public func terminalCredential(_ id: TerminalID) -> TerminalCredential? {
        if let granted = credentials.terminal(id) { return granted }
        return configuration.terminal(id)
    }

    /// The technician who may log in as `name`, the same way.
    public func technician(named name: String) -> ConsoleSettings.Technician? {
        if let granted = credentials.technician(named: name) { return granted }
        return configuration.console.technician(named: name)
    }

    /// Whether anybody at all can log in on the console.
    public var hasTechnicians: Bool { !configuration.console.technicians.isEmpty || credentials.hasTechnicians }
}
