import ArgumentParser

/// `holdfast`: the appliance's operations tool, for technicians and scripts.
@main
struct Holdfast: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holdfast",
        abstract: "Operate a Holdfast betting appliance: journal verify and rebuild, terminals, a demo terminal, odds, benchmarks.",
        subcommands: [JournalGroup.self, TerminalGroup.self, DemoTerminal.self, OddsCommand.self, BenchGroup.self]
    )
}
