import Foundation
import Testing
import TestSupport

extension SyncSuites {
    /// `holdfast drill uplink-loss|central-failover` against a daemon with two real central
    /// endpoints: the uplink acts as if the network failed, and everything runs for real.
    @Suite("holdfast drill: uplink scenarios", .timeLimit(.minutes(2)))
    struct UplinkDrillTests {
        @Test("uplink-loss and central-failover go as expected", arguments: ["uplink-loss", "central-failover"])
        func scenario(name: String) async throws {
            let central = try CentralFixture()
            try await central.start()
            try await central.start(port: central.secondPort)
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection(ports: [central.port, central.secondPort],
                                                                              extra: "  failback_seconds: 1"))
            let client = daemon.client(port: try await daemon.start())
            defer { daemon.terminateInBackground() }
            _ = try await Convergence.wait(daemon: client, central: central)

            // Awaited rather than run blocking: the drill takes seconds, and a cooperative thread
            // held that long is one of two the test process has on the CI machine.
            let drill = try await runToCompletion(try BuiltProducts.path(of: "holdfast"),
                                                  ["drill", name, "--config", daemon.directory.path + "/holdfast.yaml"])
            let text = drill.output
            #expect(drill.status == 0, "\(text)\(drill.errors)")
            let result = text.split(separator: "\n").last ?? ""
            #expect(result.hasPrefix("result: ") && !text.contains("FAIL"), "\(text)")
            #expect((text + drill.errors).split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text)\(drill.errors)")
            // Nothing was really cut: every record reached central through the drill.
            let head = try await Convergence.wait(daemon: client, central: central)
            #expect(try central.recordCounts(upTo: head) == (head, head, head))
        }
    }
}
