import Foundation
@testable import Journal
import Testing
import Wagering

@Suite("Journal WAL checkpoints, off the writer's path")
struct WALCheckpointTests {
    static let pageFrameBytes = 4_096 + 24

    static func size(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    @Test("commits never checkpoint on the writer: with the checkpointer's threshold out of reach the log takes every page and the database file stays as it was")
    func writerNeverCheckpoints() async throws {
        let directory = try TemporaryDirectory()
        let journal = try await Fixtures.open(directory.path, walCheckpointFrames: 1_000_000)
        try await Fixtures.publishBoard(journal, markets: 2)
        let database = directory.path + "/journal.sqlite"
        let before = try Self.size(database)
        // One commit each, several pages each: well past SQLite's own threshold of 1,000 pages.
        for index in 0..<600 {
            _ = try await journal.place(Fixtures.single("m\(index % 2)-s\(index % 3)", odds: Int64(index % 3 + 2), key: "w\(index)"))
        }
        #expect(try Self.size(database + "-wal") > 1_000 * Self.pageFrameBytes)
        #expect(try Self.size(database) == before)
        #expect(journal.checkpointer.roundsCompleted == 0)
        await journal.close()
        // Closing checkpoints everything into the database file.
        #expect(try Self.size(database) > before)
        let verified = try JournalMaintenance.verify(directory: directory.path, full: true).get()
        #expect(verified.chain.headSeq == 2 + 600)
    }

    @Test("under concurrent load the checkpointer copies the log, the writer tops it up between batches, and the log starts again and stays short")
    func logStaysShortUnderLoad() async throws {
        let directory = try TemporaryDirectory()
        let threshold = 100
        let journal = try await Fixtures.open(directory.path, walCheckpointFrames: threshold)
        try await Fixtures.publishBoard(journal, markets: 4)
        let submitters = 8, betsEach = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            for submitter in 0..<submitters {
                group.addTask {
                    for count in 0..<betsEach {
                        _ = try await journal.place(Fixtures.single("m\(count % 4)-s\(submitter % 3)", odds: Int64(submitter % 3 + 2),
                                                                    terminal: TerminalID(rawValue: "kiosk-\(submitter)"), key: "s\(submitter)-\(count)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        let database = directory.path + "/journal.sqlite"
        let written = submitters * betsEach
        #expect(journal.checkpointer.roundsCompleted > 0)
        #expect(journal.checkpointer.restarts > 0)
        // Without checkpoints the log would hold every page of 2,400 commits of a bet or more.
        let walFrames = try Self.size(database + "-wal") / Self.pageFrameBytes
        #expect(walFrames < threshold * 8, "the log reached \(walFrames) pages")
        await journal.close()
        let verified = try JournalMaintenance.verify(directory: directory.path, full: true).get()
        #expect(verified.chain.headSeq == Int64(4 + written))
        #expect(verified.derivedStateChecked)
    }
}
