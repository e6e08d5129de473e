import Appliance
import ArgumentParser

/// `holdfast`: the appliance's operations tool, for technicians and scripts.
@main
struct Holdfast: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holdfast",
        abstract: "Operate a Holdfast betting appliance: journal verify and rebuild, power status, terminals, a demo terminal, odds, benchmarks.",
        version: HoldfastVersion.current,
        subcommands: [JournalGroup.self, RestoreCommand.self, DrillCommand.self, PowerGroup.self, ConsoleGroup.self, TerminalGroup.self, DemoTerminal.self, OddsCommand.self, BenchGroup.self]
    )
}
