import Appliance
import Foundation
import Randomness
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol
import Wagering

extension SyncSuites {
    @Suite("Credentials and limits from central's feed", .timeLimit(.minutes(2)))
    struct CredentialFeedTests {
        @Test("central provisions a terminal and a technician, revokes the terminal, and both hold across a reboot offline")
        func terminalAndTechnician() async throws {
            let central = try CentralFixture()
            try await central.start()
            let (console, _) = try ConsoleSuites.ConsoleTransportTests.technicianConfig()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection() + "\n" + console)
            var port = try await daemon.start()
            var running = true
            defer { if running { daemon.terminateInBackground() } }

            var random = SystemRandom()
            let secret = TerminalSecret.generate(using: &random)
            try central.publish("terminal", ["--id", "kiosk-c", "--role", "kiosk", "--secret", secret.hex])
            let pin = try PINHash.make(pin: "9876", log2Cost: 14, using: &random)
            try central.publish("technician", ["--name", "central-tech", "--pin-hash", pin.description])

            var kiosk = TerminalClient(baseURL: "http://127.0.0.1:\(port)", terminalID: "kiosk-c", secret: secret, timeout: .seconds(30)) // a hang guard
            try await Self.waitForStatus(200, kiosk)
            let board = try await kiosk.board()
            #expect(try await kiosk.place(Slips.single("k1-a", on: board, stake: 100)).isSuccess, "central's terminal places a bet")
            // Wait for the technician's grant to be applied rather than try logins: failures lock the
            // console. (The file is written under the lock the login reads the grant with.)
            let deadline = ContinuousClock.now + .seconds(60)
            while (try? String(contentsOfFile: daemon.dataDirectory + "/central.credentials.json", encoding: .utf8))?.contains("central-tech") != true,
                  ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            let session = try await TechnicianConsole.session(daemon, ["status"], login: ("central-tech", "9876"))
            #expect(session.contains("welcome, central-tech"), "\(session)")

            try central.publish("terminal", ["--id", "kiosk-c", "--revoke"])
            try await Self.waitForStatus(401, kiosk)

            // A reboot while central is away keeps what central said.
            await central.kill()
            #expect(await daemon.terminate() == 0)
            running = false
            port = try await daemon.start()
            running = true
            kiosk = TerminalClient(baseURL: "http://127.0.0.1:\(port)", terminalID: "kiosk-c", secret: secret, timeout: .seconds(30)) // a hang guard
            #expect(try await kiosk.send(.GET, "/v1/board").status == 401, "the revocation holds after a reboot")
            let again = try await TechnicianConsole.session(daemon, ["status"], login: ("central-tech", "9876"))
            #expect(again.contains("welcome, central-tech"), "\(again)")
        }

        @Test("central's betting limits replace the configuration's, and hold across a reboot offline")
        func limits() async throws {
            let central = try CentralFixture()
            try await central.start()
            let daemon = try DaemonFixture(extraConfig: central.uplinkSection())
            var client = daemon.client(port: try await daemon.start())
            var running = true
            defer { if running { daemon.terminateInBackground() } }
            _ = try await Convergence.wait(daemon: client, central: central)
            let board = try await client.board()
            #expect(try await client.place(Slips.single("k1-a", on: board, stake: 300)).isSuccess, "3.00 is within the configured limits")

            let limits = BettingLimits(minStakePerLine: 10, maxStakePerBet: 200, maxPayoutPerBet: 2_500_000, maxLiabilityPerSelection: 100_000_000,
                                       maxLiabilityPerMarket: 100_000_000,
                                       terminalDefaults: TerminalLimits(maxStakePerBet: 20_000, maxOpenStake: 100_000_000))
            let file = central.pki.path + "/limits.json"
            try JSONEncoder().encode(limits).write(to: URL(fileURLWithPath: file))
            try central.publish("limits", ["--file", file])
            let deadline = ContinuousClock.now + .seconds(60)
            var refusal: Problem?
            while refusal == nil, ContinuousClock.now < deadline {
                if case .failure(let problem) = try await client.place(Slips.single("k1-a", on: board, stake: 300)) { refusal = problem }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(refusal?.limit?.name == "max_stake_per_bet" && refusal?.limit?.limit.minorUnits == 200, "\(String(describing: refusal))")

            await central.kill()
            #expect(await daemon.terminate() == 0)
            running = false
            client = daemon.client(port: try await daemon.start())
            running = true
            let after = try await client.place(Slips.single("k1-a", on: board, stake: 300))
            #expect(after.refusal?.limit?.name == "max_stake_per_bet", "central's limits hold after a reboot: \(after)")
        }

        /// Central's grants arrive through the feed: 60 s for a reconnect and PostgreSQL on a
        /// loaded machine; only a grant that never comes waits it out.
        static func waitForStatus(_ status: Int, _ client: TerminalClient) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while try await client.send(.GET, "/v1/board").status != status {
                guard ContinuousClock.now < deadline else { throw TestFailure("the terminal never got \(status)") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
