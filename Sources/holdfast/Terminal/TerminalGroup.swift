public import ArgumentParser
import Randomness
public import TerminalProtocol

struct TerminalGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terminal",
        abstract: "Provision kiosks and staff terminals.",
        subcommands: [AddTerminal.self]
    )
}

/// `holdfast terminal add`: a new terminal's credentials, as the entry to add to the
/// configuration's `terminals:` list (and the secret to install on the terminal).
struct AddTerminal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create a terminal's credentials and print its configuration entry.",
        discussion: "Add the printed entry under `terminals:` in the appliance's configuration and restart holdfastd; install the same id and secret on the terminal. The secret is shown only here."
    )

    @Option(help: "The terminal's id: letters, digits, '-' or '_' (e.g. kiosk-3).")
    var id: String

    @Option(help: "kiosk (places bets, sees its own tickets) or staff (also looks up, pays out and voids).")
    var role: TerminalRole

    func validate() throws {
        guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ValidationError("--id must be 1-64 letters, digits, '-' or '_'")
        }
    }

    func run() throws {
        var random = SystemRandom()
        let secret = TerminalSecret.generate(using: &random)
        print("""
            # Add under `terminals:` in the appliance configuration:
              - id: \(id)
                role: \(role.rawValue)
                secret: \(secret.hex)
            """)
    }
}

extension TerminalRole: ExpressibleByArgument {}
