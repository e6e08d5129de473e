import Appliance
import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol

extension SyncSuites {
    @Suite("Credentials from central's feed", .timeLimit(.minutes(2)))
    struct CredentialFeedTests {
        @Test("central provisions a terminal and a technician, revokes the terminal, and both hold across a reboot offline")
        func terminalAndTechnician() async throws {
            let central = try CentralFixture()
            try central.start()
            let (console, _) = try ConsoleSuites.ConsoleTransportTests.technicianConfig()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + "\n" + console)
            var port = try daemon.start()
            var running = true
            defer { if running { _ = daemon.terminate() } }

            var random = SystemRandomNumberGenerator()
            let secret = TerminalSecret.generate(using: &random)
            try central.publish("terminal", ["--id", "kiosk-c", "--role", "kiosk", "--secret", secret.hex])
            let pin = try PINHash.make(pin: "9876", log2Cost: 14, using: &random)
            try central.publish("technician", ["--name", "central-tech", "--pin-hash", pin.description])

            var kiosk = TerminalClient(baseURL: "http://127.0.0.1:\(port)", terminalID: "kiosk-c", secret: secret, timeout: .seconds(5))
            try await Self.waitForStatus(200, kiosk)
            let board = try await kiosk.board()
            #expect(try await kiosk.place(Slips.single("k1-a", on: board, stake: 100)).isSuccess, "central's terminal places a bet")
            // Wait for the technician's grant to be applied rather than try logins: failures lock the console.
            let deadline = ContinuousClock.now + .seconds(20)
            while (try? String(contentsOfFile: daemon.dataDirectory + "/central.credentials.json", encoding: .utf8))?.contains("central-tech") != true,
                  ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            let session = try TechnicianConsole.session(daemon, ["status"], login: ("central-tech", "9876"))
            #expect(session.contains("welcome, central-tech"), "\(session)")

            try central.publish("terminal", ["--id", "kiosk-c", "--revoke"])
            try await Self.waitForStatus(401, kiosk)

            // A reboot while central is away keeps what central said.
            central.kill()
            #expect(daemon.terminate() == 0)
            running = false
            port = try daemon.start()
            running = true
            kiosk = TerminalClient(baseURL: "http://127.0.0.1:\(port)", terminalID: "kiosk-c", secret: secret, timeout: .seconds(5))
            #expect(try await kiosk.send(.GET, "/v1/board").status == 401, "the revocation holds after a reboot")
            let again = try TechnicianConsole.session(daemon, ["status"], login: ("central-tech", "9876"))
            #expect(again.contains("welcome, central-tech"), "\(again)")
        }

        static func waitForStatus(_ status: Int, _ client: TerminalClient) async throws {
            let deadline = ContinuousClock.now + .seconds(20)
            while try await client.send(.GET, "/v1/board").status != status {
                guard ContinuousClock.now < deadline else { throw TestFailure("the terminal never got \(status)") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
