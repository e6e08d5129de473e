import Appliance
import Foundation
import Randomness
import Testing
import TestSupport

/// Every test that makes pseudo-terminals runs one after another: a daemon retrying its closed
/// console device (/dev/pts/N) would otherwise open the next test's pty when the kernel hands the
/// same number out again, and read that test's keys. For the same reason each waits for its
/// daemon to exit before it ends, rather than leave the SIGTERM to the background: a daemon
/// slow to stop (a sanitizer's build on a loaded machine) would still be retrying in the next test.
@Suite("Technician console", .serialized)
struct ConsoleSuites {
    /// The technician's console through a real pseudo-terminal, as a serial cable would carry it.
    @Suite("Serial console over a pseudo-terminal", .timeLimit(.minutes(2)))
    struct ConsoleTests {
        @Test("login, line editing, line noise, commands on battery, Ctrl-D, lockout, hang-up")
        func technicianSession() async throws {
            let pty = try PseudoTerminal()
            var random = SystemRandom()
            let hash = try PINHash.make(pin: "4321", log2Cost: 14, using: &random)
            // The lockout must still hold when the try after it arrives: 60 s, where that is one
            // console round trip, seconds at worst in a ThreadSanitizer build beside CPU hogs.
            let daemon = try DaemonFixture(extraConfig: """
                console:
                  device: \(pty.slavePath)
                  failures_before_lockout: 2
                  lockout_seconds: 60
                  technicians: [{ name: tech, pin_hash: "\(hash)" }]
                """)
            let port = try await daemon.start()
            var running = true
            defer { if running { daemon.terminateInBackground() } }

            func expect(_ text: String, _ comment: Comment? = nil) async throws {
                guard await pty.expect(text) != nil else {
                    Issue.record("'\(text)' never came; the console said: \(pty.transcript)", sourceLocation: .__here())
                    throw ChildProcessError("console did not answer")
                }
            }
            /// Asks `power` until its screen shows `text`, for up to 60 s: the daemon polls the
            /// state file, and when it gets round to it on a loaded machine is its own business.
            func powerShows(_ text: String) async throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    pty.send("power\r")
                    guard let screen = await pty.expect("K111> ") else { return false }
                    if screen.contains(text) { return true }
                    try await Task.sleep(for: .milliseconds(250))
                }
                return false
            }

            pty.send("\r")
            try await expect("login: ")
            pty.send("tech\r")
            try await expect("PIN: ")
            pty.send("4321\r")
            #expect(await pty.expect("welcome, tech")?.contains("4321") == false, "the PIN is not echoed")
            try await expect("K111> ")

            // Backspace mends a typo; Ctrl-C drops a line.
            pty.send("powrr\u{7f}\u{7f}er\r")
            try await expect("state")
            try await expect("K111> ")
            pty.send("journal stat\u{03}")
            try await expect("^C")
            pty.send("help\r")
            try await expect("the bet journal: size, chain check")
            try await expect("K111> ")

            // A wrong baud rate looks like this: it is ignored, with one notice.
            pty.send([0xFF, 0xFE, 0x80, 0x9B, 0xC3, 0x01, 0x02, 0x0D])
            try await expect("line noise ignored")
            try await expect("K111> ")

            // The UPS goes on battery: the console shows it.
            try "ac=lost\n".write(toFile: daemon.directory.path + "/power.state", atomically: true, encoding: .utf8)
            try #require(try await powerShows("on_battery"), "the power screen never showed on_battery: \(pty.transcript)")
            pty.send("status\r")
            try await expect("mode")
            pty.send("journal tail 3\r")
            try await expect("console.command")
            pty.send("config show\r")
            try await expect("secret: ********")
            #expect(!pty.transcript.contains(hash.description), "the PIN hash is masked")

            // Ctrl-D logs out.
            pty.send("\u{04}")
            try await expect("logged out")
            try await expect("login: ")

            // Two wrong PINs lock the console; a third try is not even checked.
            for _ in 0..<2 {
                pty.send("tech\r")
                try await expect("PIN: ")
                pty.send("0000\r")
                try await expect("login incorrect")
            }
            try await expect("console locked for 60 s")
            pty.send("tech\r")
            try await expect("try again in")

            // The cable is pulled: the daemon goes on serving terminals. (A crash the hang-up caused
            // later than this wait would go unseen: load can hide one, never invent one.)
            pty.hangUp()
            try await Task.sleep(for: .milliseconds(500))
            let board = try await daemon.client(port: port).board()
            #expect(board.markets.count == 2, "the API still answers")
            _ = await daemon.terminate()
            running = false
        }
    }

    @Suite("Console over the local socket and through socat", .timeLimit(.minutes(2)))
    struct ConsoleTransportTests {
        static func technicianConfig(device: String? = nil) throws -> (String, String) {
            var random = SystemRandom()
            let hash = try PINHash.make(pin: "4321", log2Cost: 14, using: &random)
            let deviceLine = device.map { "  device: \($0)\n" } ?? ""
            return ("console:\n\(deviceLine)  technicians: [{ name: tech, pin_hash: \"\(hash)\" }]\n", hash.description)
        }

        @Test("holdfast console: a scripted session over the socket, ending at logout")
        func socketSession() async throws {
            let (config, _) = try Self.technicianConfig()
            let stick = try TemporaryDirectory()
            let daemon = try DaemonFixture(extraConfig: config + "backup: { directory: \(stick.path), every_hours: 0 }\n")
            _ = try await daemon.start()
            var running = true
            defer { if running { daemon.terminateInBackground() } }
            let text = try await TechnicianConsole.session(daemon, ["terminals", "terminals disable load-kiosk", "limits", "self-test", "backup now",
                                                              "journal checkpoint"])
            #expect(text.contains("welcome, tech"), "\(text)")
            #expect(!text.contains("4321"), "a PIN typed ahead is not echoed: \(text)")
            #expect(!text.hasSuffix("login: "), "the socket connection ends at logout")
            #expect(text.contains("load-kiosk") && text.contains("terminal load-kiosk disabled"), "\(text)")
            #expect(text.contains("max stake per bet") && text.contains("500.00"), "\(text)")
            #expect(text.contains("ok   journal") && text.contains("ok   disk"), "\(text)")
            #expect(text.contains("logged out"), "\(text)")
            let disabled = try String(contentsOfFile: daemon.dataDirectory + "/disabled-terminals", encoding: .utf8)
            #expect(disabled == "load-kiosk\n", "the disabled list outlives the daemon")
            #expect(text.contains("backup verified:") && text.contains("up to seq"), "\(text)")
            #expect(text.contains("checkpoint done:") && text.contains("folded into the journal"), "\(text)")

            // The appliance dies; a new one is restored from the stick with `holdfast restore`.
            #expect(await daemon.terminate() == 0)
            running = false
            let backups = try FileManager.default.contentsOfDirectory(atPath: stick.path)
            let backup = try #require(backups.first, "one backup on the stick")
            let replacement = try TemporaryDirectory()
            let restore = try await runToCompletion(try BuiltProducts.path(of: "holdfast"),
                                                    ["restore", "--from", stick.path + "/" + backup, "--data-dir", replacement.path + "/data"])
            #expect(restore.status == 0 && restore.output.contains("restored and verified"), "\(restore.output)\(restore.errors)")
        }

        @Test("through socat's linked ptys: the console device vanishes and comes back")
        func socatHangUpAndReturn() async throws {
            let links = try TemporaryDirectory()
            let device = links.path + "/ttyHF"
            let laptopPath = links.path + "/laptop"
            func startSocat() async throws -> Spawned {
                let socat = try Spawned("/usr/bin/socat", ["PTY,link=\(device),rawer", "PTY,link=\(laptopPath),rawer"])
                // A hang guard: socat links its ptys in milliseconds.
                guard await fileAppears(at: laptopPath, within: .seconds(30)) else {
                    socat.signal(SIGKILL)
                    throw ChildProcessError("socat made no \(laptopPath) within 30 s")
                }
                return socat
            }
            var socat = try await startSocat()
            let (config, _) = try Self.technicianConfig(device: device)
            let daemon = try DaemonFixture(extraConfig: config)
            _ = try await daemon.start()
            var running = true
            // SIGKILL: children of the test process inherit a blocked SIGTERM (as with upsd).
            defer {
                if running { daemon.terminateInBackground() }
                socat.signal(SIGKILL)
            }
            var laptop = try PseudoTerminal(openingDevice: laptopPath)
            laptop.send("\r")
            #expect(await laptop.expect("login: ") != nil, "\(laptop.transcript)")
            laptop.send("tech\r")
            #expect(await laptop.expect("PIN: ") != nil)
            laptop.send("4321\r")
            #expect(await laptop.expect("welcome, tech") != nil, "\(laptop.transcript)")

            // The cable is pulled: socat goes, and with it the device holdfastd had open.
            socat.signal(SIGKILL)
            _ = await socat.status()
            laptop.hangUp()
            try await Task.sleep(for: .milliseconds(800))
            // Plugged back in: the device reappears at the same path; holdfastd opens it again and
            // greets the technician with a fresh login (the hang-up ended the session). It retries
            // every second; 60 s leaves a loaded machine plenty of those.
            socat = try await startSocat()
            laptop = try PseudoTerminal(openingDevice: laptopPath)
            var greeted = false
            let deadline = ContinuousClock.now + .seconds(60)
            while !greeted, ContinuousClock.now < deadline {
                laptop.send("\r")
                greeted = await laptop.expect("login: ", timeoutMillis: 1_000) != nil
            }
            #expect(greeted, "holdfastd reopened the console device: \(laptop.transcript)")
            _ = await daemon.terminate()
            running = false
        }
    }

    // Three minutes: the final delay below is run through twice.
    @Suite("Console drills and a technician's reboot", .timeLimit(.minutes(3)))
    struct ConsoleOperationsTests {
        @Test("a low-battery drill runs the real staged shutdown and restores; reboot waits for yes, then takes the safe path")
        func drillAndReboot() async throws {
            let pty = try PseudoTerminal()
            let marker = try TemporaryDirectory()
            let (console, _) = try ConsoleSuites.ConsoleTransportTests.technicianConfig(device: pty.slavePath)
            // The drill's shutting_down lasts the final delay, and the test must see it on the power
            // screen inside it: one console round trip after "drill started". 10 s, where that
            // trip takes milliseconds unloaded and a second or so in ThreadSanitizer beside CPU hogs.
            let daemon = try DaemonFixture(power: "{ source: simulated, final_delay_seconds: 10, reboot_command: /usr/bin/touch \(marker.path)/rebooted }",
                                           extraConfig: console)
            _ = try await daemon.start()
            var running = true
            defer { if running { daemon.terminateInBackground() } }

            func expect(_ text: String) async -> Bool {
                let found = await pty.expect(text) != nil
                if !found { Issue.record("'\(text)' never came; the console said: \(pty.transcript)") }
                return found
            }
            /// Asks `power` until its screen shows every one of `texts`, for up to 60 s: longer
            /// than the final delay, with room for a loaded machine.
            func powerShows(_ texts: String...) async throws -> Bool {
                let deadline = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < deadline {
                    pty.send("power\r")
                    guard let screen = await pty.expect("K111> ") else { return false }
                    if texts.allSatisfy(screen.contains) { return true }
                    try await Task.sleep(for: .milliseconds(250))
                }
                return false
            }

            pty.send("\r")
            _ = await expect("login: ")
            pty.send("tech\r")
            _ = await expect("PIN: ")
            pty.send("4321\r")
            _ = await expect("K111> ")

            pty.send("drill low-battery\r")
            _ = await expect("drill started")
            #expect(try await powerShows("DRILL", "shutting_down", "intake       closed"))
            // The final delay passes: the drill reaches the point of no return, and stops there.
            #expect(try await powerShows("DRILL", "powering_off"))
            pty.send("drill end\r")
            _ = await expect("drill ended")
            #expect(try await powerShows("mains", "intake       open"))
            #expect(!FileManager.default.fileExists(atPath: marker.path + "/rebooted"), "a drill runs no command")
            pty.send("journal tail 12\r")
            _ = await expect("reached the point")

            pty.send("drill disk-full\r")
            _ = await expect("disk-full drill started")
            pty.send("status\r")
            _ = await expect("the journal cannot write")
            _ = await expect("disk-full drill running")
            pty.send("drill end\r")
            _ = await expect("drill ended")

            pty.send("shutdown\r")
            _ = await expect("type yes to go on: ")
            pty.send("no\r")
            _ = await expect("cancelled: nothing was done")

            pty.send("reboot\r")
            _ = await expect("type yes to go on: ")
            pty.send("yes\r")
            _ = await expect("rebooting: intake closes now")
            #expect(try await powerShows("powering_off", "requested by technician tech"))
            // The state turns powering_off before the command runs, so wait for what it does: 60 s,
            // for a ThreadSanitizer build to start a process on a loaded machine.
            #expect(await fileAppears(at: marker.path + "/rebooted", within: .seconds(60)), "the reboot command ran within 60 s of powering_off")
            _ = await daemon.terminate()
            running = false
        }
    }
}
