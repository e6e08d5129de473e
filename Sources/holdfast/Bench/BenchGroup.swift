import ArgumentParser

struct BenchGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks that print their figures and, in the same run, the baselines they are compared with.",
        discussion: "Build in release mode for figures worth recording: swift run -c release holdfast bench journal",
        subcommands: [BenchJournal.self, BenchAPI.self, BenchBookMemory.self, BenchPower.self, BenchSync.self]
    )
}
