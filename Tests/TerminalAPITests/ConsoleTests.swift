import Appliance
import Foundation
import Testing
import TestSupport

/// The technician's console through a real pseudo-terminal, as a serial cable would carry it.
@Suite("Serial console over a pseudo-terminal", .timeLimit(.minutes(2)))
struct ConsoleTests {
    @Test("login, line editing, line noise, commands on battery, Ctrl-D, lockout, hang-up")
    func technicianSession() async throws {
        let pty = try PseudoTerminal()
        var random = SystemRandomNumberGenerator()
        let hash = try PINHash.make(pin: "4321", log2Cost: 14, using: &random)
        let daemon = try DaemonFixture(extraConfig: """
            console:
              device: \(pty.slavePath)
              failures_before_lockout: 2
              lockout_seconds: 3
              technicians: [{ name: tech, pin_hash: "\(hash)" }]
            """)
        let port = try daemon.start()
        defer { _ = daemon.terminate() }

        func expect(_ text: String, _ comment: Comment? = nil) throws {
            guard pty.expect(text) != nil else {
                Issue.record("'\(text)' never came; the console said: \(pty.transcript)", sourceLocation: .__here())
                throw ChildProcessError("console did not answer")
            }
        }

        pty.send("\r")
        try expect("login: ")
        pty.send("tech\r")
        try expect("PIN: ")
        pty.send("4321\r")
        #expect(pty.expect("welcome, tech")?.contains("4321") == false, "the PIN is not echoed")
        try expect("K111> ")

        // Backspace mends a typo; Ctrl-C drops a line.
        pty.send("powrr\u{7f}\u{7f}er\r")
        try expect("state")
        try expect("K111> ")
        pty.send("journal stat\u{03}")
        try expect("^C")
        pty.send("help\r")
        try expect("journal stats|verify|tail")
        try expect("K111> ")

        // A wrong baud rate looks like this: it is ignored, with one notice.
        pty.send([0xFF, 0xFE, 0x80, 0x9B, 0xC3, 0x01, 0x02, 0x0D])
        try expect("line noise ignored")
        try expect("K111> ")

        // The UPS goes on battery: the console shows it.
        try "ac=lost\n".write(toFile: daemon.directory.path + "/power.state", atomically: true, encoding: .utf8)
        try await Task.sleep(for: .milliseconds(500))
        pty.send("power\r")
        try expect("on_battery")
        pty.send("status\r")
        try expect("mode")
        pty.send("journal tail 3\r")
        try expect("console.command")
        pty.send("config show\r")
        try expect("secret: ********")
        #expect(!pty.transcript.contains(hash.description), "the PIN hash is masked")

        // Ctrl-D logs out.
        pty.send("\u{04}")
        try expect("logged out")
        try expect("login: ")

        // Two wrong PINs lock the console; a third try is not even checked.
        for _ in 0..<2 {
            pty.send("tech\r")
            try expect("PIN: ")
            pty.send("0000\r")
            try expect("login incorrect")
        }
        try expect("console locked for 3 s")
        pty.send("tech\r")
        try expect("try again in")

        // The cable is pulled: the daemon goes on serving terminals.
        pty.hangUp()
        try await Task.sleep(for: .milliseconds(500))
        let board = try await daemon.client(port: port).board()
        #expect(board.markets.count == 2, "the API still answers")
    }
}
