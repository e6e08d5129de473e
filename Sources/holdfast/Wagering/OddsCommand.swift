import ArgumentParser
import Wagering

/// `holdfast odds 2.375`: converts a price between the three formats, exactly, as the appliance does.
struct OddsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "odds",
        abstract: "Convert a price between decimal, fractional and American odds (docs/wagering.md).",
        discussion: "Accepts decimal (2.375), fractional (11/8, evens) or American (+138, -150). Put a negative American price after --: holdfast odds -- -150"
    )

    @Argument(help: "The price to convert.")
    var price: String

    func run() throws {
        do {
            let odds = try Odds.parse(price)
            print("decimal \(odds.decimalString) = fractional \(odds.fractionalString) = American \(odds.americanString)"
                  + " (exact decimal \(odds.numerator)/\(odds.denominator))")
        } catch {
            throw ValidationError(error.description)
        }
    }
}
