import ArgumentParser
import Foundation
import Journal
import Wagering

struct JournalGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Inspect and repair the bet journal.",
        subcommands: [VerifyJournal.self, RebuildJournal.self]
    )
}

struct VerifyJournal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the journal's hash chain, head marker and SQLite integrity; with --full, also the derived state.",
        discussion: "Read-only: works on a journal the daemon refuses to open. Exits 0 when the journal is sound, 1 when it is not, naming the first bad record."
    )

    @Option(name: .customLong("data-dir"), help: "The appliance's data directory (holding journal.sqlite).")
    var dataDirectory: String

    @Flag(help: "Also replay every record and compare the derived tables (tickets, markets, exposure).")
    var full = false

    func run() async throws {
        let started = ContinuousClock.now
        let outcome = try JournalMaintenance.verify(directory: dataDirectory, full: full) { checked in
            printProgress("verified \(checked) records")
        }
        let elapsed = ContinuousClock.now - started
        switch outcome {
        case .success(let verified):
            print("journal OK: \(verified.chain.recordsChecked) records, head \(verified.chain.headSeq) "
                  + "(\(encodeHex(verified.chain.headHash.prefix(6)))...), "
                  + (verified.derivedStateChecked ? "derived state matches a replay, " : "")
                  + "in \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .abbreviated)))")
        case .failure(let problem):
            print("journal FAILED: \(problem)")
            throw ExitCode(1)
        }
    }
}

struct RebuildJournal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rebuild the derived tables (tickets, markets, exposure, idempotency) from the journal's records alone.",
        discussion: "Verifies the chain first and refuses a broken one. Stop holdfastd before running it."
    )

    @Option(name: .customLong("data-dir"), help: "The appliance's data directory (holding journal.sqlite).")
    var dataDirectory: String

    func run() async throws {
        switch try JournalMaintenance.rebuild(directory: dataDirectory, progress: { printProgress("replayed \($0) records") }) {
        case .success(let replayed):
            print("derived state rebuilt from \(replayed) records")
        case .failure(let problem):
            print("rebuild refused: \(problem)")
            throw ExitCode(1)
        }
    }
}

/// Progress goes to standard error so standard output stays parseable.
func printProgress(_ message: String) {
    FileHandle.standardError.write(Data("… \(message)\n".utf8))
}
