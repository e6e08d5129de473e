import Appliance

/// One console connection from banner to hang-up: login (name, then a masked PIN, checked
/// against the scrypt hash, with lockout), then commands until logout, Ctrl-D, the idle timeout or
/// the line going away. Logins, failures and commands are journaled; line noise is not.
public struct ConsoleSession {
    private enum State {
        case name
        case pin(name: String)
        case shell(name: String)
        /// A command that asked for `yes` before it happens.
        case confirm(name: String, action: ConsoleCommands.Confirmation)
    }

    private let context: ConsoleContext
    private let channel: any ConsoleChannel
    private let place: String
    /// A socket connection ends at logout; a serial line goes back to `login:`.
    private let endsOnLogout: Bool
    private var editor = LineEditor()
    private var state = State.name
    private var lastNoiseNoticeMillis: Int64?
    /// Checked when the name is unknown, so a wrong name costs the same time as a wrong PIN.
    private static let decoy = PINHash("scrypt:14:8:1:00000000000000000000000000000000:" + String(repeating: "00", count: 32))!

    /// `place`: where the session is (the device path), for the journal.
    public init(context: ConsoleContext, channel: any ConsoleChannel, place: String, endsOnLogout: Bool = false) {
        self.context = context
        self.channel = channel
        self.place = place
        self.endsOnLogout = endsOnLogout
    }

    public mutating func run() async {
        let settings = context.service.configuration
        await channel.write("\nHoldfast appliance \(settings.applianceCode.rawValue) technician console\n")
        if !context.service.hasTechnicians {
            await channel.write("no technicians are configured (console.technicians): nobody can log in\n")
        }
        await prompt()
        let idle = Duration.seconds(settings.console.idleTimeoutSeconds)
        while true {
            let loggedIn = switch state {
            case .shell, .confirm: true
            case .name, .pin: false
            }
            guard let bytes = await channel.read(timeout: loggedIn ? idle : .seconds(3_600)) else {
                if let name = loggedInName { await context.record("console.logout", "\(name) on \(place): the line hung up") }
                return
            }
            if bytes.isEmpty {
                if let name = loggedInName {
                    await channel.write("\nidle for \(settings.console.idleTimeoutSeconds) s: logged out\n")
                    await context.record("console.logout", "\(name) on \(place): idle timeout")
                    state = .name
                    await prompt()
                }
                continue
            }
            // One line at a time: what follows a line typed ahead (a PIN after the name) must be
            // echoed under the mode that line leads to.
            var rest = bytes[...]
            while !rest.isEmpty {
                let end = rest.firstIndex { [0x0D, 0x0A, 0x03, 0x04].contains($0) }.map { rest.index(after: $0) } ?? rest.endIndex
                let (echo, events) = editor.feed(rest[..<end])
                rest = rest[end...]
                if !echo.isEmpty { await channel.write(echo) }
                for event in events {
                    await handle(event)
                    if endsOnLogout && loggedOut { return }
                }
            }
        }
    }

    private mutating func handle(_ event: LineEditor.Event) async {
        switch event {
        case .line(let text):
            await handle(line: text)
        case .noisyLine(let dropped):
            let now = context.clock.wallMillis()
            if lastNoiseNoticeMillis.map({ now - $0 >= 10_000 }) ?? true {
                lastNoiseNoticeMillis = now
                await channel.write("line noise ignored (\(dropped) bytes): check the terminal is set to "
                                    + "\(context.service.configuration.console.baud) 8N1\n")
            }
            editor.masked = false
            if case .pin = state { state = .name }
            await prompt()
        case .cancelled:
            editor.masked = false
            if case .pin = state { state = .name }
            if case .confirm(let name, _) = state {
                await channel.write("cancelled\n")
                state = .shell(name: name)
            }
            await prompt()
        case .endOfInput:
            if let name = loggedInName {
                await context.record("console.logout", "\(name) on \(place)")
                await channel.write("logged out\n")
                loggedOut = true
            }
            editor.masked = false
            state = .name
            await prompt()
        }
    }

    private mutating func handle(line: String) async {
        let text = line.trimmingCharacters(in: .whitespaces)
        switch state {
        case .name:
            if !text.isEmpty {
                if let wait = context.throttle.withLockedValue({ $0.remainingLockout(atMillis: context.clock.wallMillis()) }) {
                    await channel.write("console locked after failed logins: try again in \((wait + 999) / 1_000) s\n")
                } else {
                    state = .pin(name: text)
                    editor.masked = true
                }
            }
        case .pin(let name):
            editor.masked = false
            let technician = context.service.technician(named: name)
            let matches = (technician?.pin ?? Self.decoy).matches(text) && technician != nil
            if matches {
                context.throttle.withLockedValue { $0.succeeded() }
                state = .shell(name: name)
                await context.record("console.login", "\(name) logged in on \(place)")
                await channel.write("welcome, \(name). `help` lists the commands.\n")
            } else {
                let lockout = context.throttle.withLockedValue { $0.failed(atMillis: context.clock.wallMillis()) }
                state = .name
                let why = technician == nil ? "unknown technician" : "wrong PIN"
                await context.record("console.login_failed", "'\(String(name.prefix(32)))' on \(place): \(why)")
                await channel.write("login incorrect\n")
                if let lockout {
                    await context.record("console.locked", "console on \(place) locked for \(lockout / 1_000) s after repeated failed logins")
                    await channel.write("console locked for \(lockout / 1_000) s after repeated failures\n")
                }
            }
        case .shell(let name):
            if !text.isEmpty {
                await context.record("console.command", "\(name) on \(place): \(text)")
                let result = await ConsoleCommands(context: context, technician: name).run(text)
                if !result.output.isEmpty {
                    let text = result.isJSON ? result.output : TextWrap.wrap(result.output)
                    // A confirmation question waits on its own line for the answer.
                    await channel.write(text.hasSuffix("\n") || result.confirm != nil ? text : text + "\n")
                }
                if result.logout {
                    await context.record("console.logout", "\(name) on \(place)")
                    state = .name
                    loggedOut = true
                }
                if let action = result.confirm {
                    state = .confirm(name: name, action: action)
                    return
                }
            }
        case .confirm(let name, let action):
            state = .shell(name: name)
            if text == "yes" {
                await context.record("console.\(action)", "\(name) on \(place) confirmed")
                context.power.requestShutdown(by: "technician \(name) at the console", reboot: action == .reboot)
                await channel.write("\(action == .reboot ? "rebooting" : "shutting down"): intake closes now; "
                                    + "the command runs after the final delay (`power` shows it)\n")
            } else {
                await channel.write("cancelled: nothing was done\n")
            }
        }
        await prompt()
    }

    /// Someone logged in during this session and has since logged out.
    private var loggedOut = false

    private var loggedInName: String? {
        switch state {
        case .shell(let name), .confirm(let name, _): name
        case .name, .pin: nil
        }
    }

    private func prompt() async {
        if endsOnLogout && loggedOut { return }
        switch state {
        case .name: await channel.write("login: ")
        case .pin: await channel.write("PIN: ")
        case .shell: await channel.write("holdfast \(context.service.configuration.applianceCode.rawValue)> ")
        case .confirm: break
        }
    }
}
