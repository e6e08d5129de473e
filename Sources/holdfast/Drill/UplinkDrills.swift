import Appliance
import Foundation

/// The uplink scenarios of `holdfast drill`: the uplink acts as if the network failed (nothing is
/// cut), and the checks follow connectivity, intake and catch-up as the daemon reports them.
extension DrillCommand {
    func uplinkLoss(_ client: ControlClient, settings: ApplianceConfiguration, _ checks: inout DrillChecks) async throws {
        guard let uplink = settings.uplink else { throw PowerCommandError("no uplink.endpoints configured: nothing to drill") }
        _ = try await checks.expectUplink("online before the drill", within: .seconds(10), client) { $0.state == "online" }
        _ = try await client.post("/drill/uplink-loss")
        _ = try await checks.expectUplink("offline within the \(uplink.freshness.components.seconds) s freshness bound (+2 s)",
                                          within: uplink.freshness + .seconds(2), client) { $0.state == "offline" }
        let power = try await client.status()
        checks.record("bets still taken offline, within the offline limits", observed: "intake \(power.intakeOpen ? "open" : "closed")",
                      passed: power.intakeOpen, after: nil)
        _ = try await client.post("/drill/end")
        _ = try await checks.expectUplink("online again and caught up (backlog 0) within 10 s", within: .seconds(10), client) {
            $0.state == "online" && $0.backlog == 0 && $0.drill == nil
        }
    }

    func centralFailover(_ client: ControlClient, settings: ApplianceConfiguration, _ checks: inout DrillChecks) async throws {
        guard let uplink = settings.uplink else { throw PowerCommandError("no uplink.endpoints configured: nothing to drill") }
        guard uplink.endpoints.count >= 2 else {
            checks.record("two or more central endpoints to fail over between", observed: "one endpoint configured", passed: false, after: nil)
            return
        }
        let before = try await checks.expectUplink("online before the drill", within: .seconds(10), client) { $0.state == "online" }
        _ = try await client.post("/drill/central-failover")
        let bound = uplink.requestTimeout + uplink.retryMax + .seconds(5)
        let preferred = before.endpoint.replacingOccurrences(of: "https://", with: "")
        _ = try await checks.expectUplink("online on another endpoint than \(preferred)", within: bound, client) {
            $0.state == "online" && $0.endpoint != before.endpoint
        }
        _ = try await client.post("/drill/end")
        _ = try await checks.expectUplink("back on \(preferred) within failback_seconds (+5 s)", within: uplink.failbackInterval + bound, client) {
            $0.state == "online" && $0.endpoint == before.endpoint && $0.drill == nil
        }
    }
}

extension DrillChecks {
    /// Polls the uplink until `condition` holds or `bound` passes, and records the result.
    mutating func expectUplink(_ expected: String, within bound: Duration, _ client: ControlClient,
                               _ condition: (UplinkStatus) -> Bool) async throws -> UplinkStatus {
        try await poll(expected, within: bound, every: .milliseconds(50), { try await client.uplink() }, describe: { status in
            "\(status.state) via \(status.endpoint.replacingOccurrences(of: "https://", with: ""))" + (status.backlog.map { ", backlog \($0)" } ?? "")
        }, condition)
    }
}
