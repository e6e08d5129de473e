import Appliance
import ArgumentParser
import Foundation
import Randomness

/// `holdfast console hash-pin`: makes the `pin_hash` of a technician entry (console.technicians).
struct ConsoleGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "The technician's console on this appliance, and PIN hashes for it.",
        subcommands: [ConsoleConnect.self, HashPIN.self],
        defaultSubcommand: ConsoleConnect.self
    )

    struct HashPIN: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hash-pin",
            abstract: "Hash a technician's PIN or password with scrypt and print the configuration entry.",
            discussion: "Reads the PIN from standard input (one line) so it stays out of the shell history.")

        @Option(help: "The technician's login name.")
        var name: String

        @Option(help: "scrypt cost as a power of two (14-20); 15 takes about 0.1 s on a Pi 4.")
        var cost = PINHash.defaultCost

        func validate() throws {
            guard PINHash.acceptedCost.contains(cost) else { throw ValidationError("--cost must be 14-20") }
        }

        func run() async throws {
            guard let pin = readLine(strippingNewline: true), pin.count >= 4 else {
                throw ValidationError("give the PIN (at least 4 characters) on standard input")
            }
            var random = SystemRandom()
            let hash = try PINHash.make(pin: pin, log2Cost: cost, using: &random)
            print("  - { name: \(name), pin_hash: \"\(hash)\" }")
        }
    }
}
