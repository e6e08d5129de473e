import Foundation
import TerminalClient
import TerminalProtocol
import TestSupport
import Testing

/// The journal's disk fills while bets flow (issue 7): a small tmpfs mounted as the data
/// directory, nearly filled by another file.
@Suite("The journal's disk fills up", .timeLimit(.minutes(2)), .enabled(if: SmallDisk.canMount, "needs root to mount a tmpfs"))
struct DiskFullTests {
    @Test("bets are refused with the reason while the disk is full, nothing acknowledged is lost, and intake recovers")
    func diskFull() async throws {
        let daemon = try DaemonFixture()
        let disk = try SmallDisk(at: daemon.dataDirectory, megabytes: 8)
        let client = daemon.client(port: try await daemon.start())
        var running = true
        defer { if running { daemon.terminateInBackground() } }
        let board = try await client.board()

        try disk.fill(leaving: 512 * 1_024)
        var acknowledged: [String] = []
        var refusal: Problem?
        for _ in 0..<5_000 {
            switch try await client.place(Slips.single("k1-a", on: board, stake: 100)) {
            case .success(let ticket): acknowledged.append(ticket.ticketId)
            case .failure(let problem): refusal = problem
            }
            if refusal != nil { break }
        }
        let refused = try #require(refusal, "the disk never filled")
        #expect(refused.type == ProblemType.journalUnavailable.rawValue, "\(refused)")
        #expect(refused.detail.contains("full"), "the reason names the full disk: \(refused.detail)")
        let notReady = try await client.send(.GET, "/ready")
        #expect(notReady.status == 503 && String(decoding: notReady.body, as: UTF8.self).contains("the journal cannot write"),
                "readiness names the journal: \(String(decoding: notReady.body, as: UTF8.self))")

        try disk.release()
        // Asked until it takes a bet, for up to 60 s: when the daemon notices the space is back
        // depends on the machine's load.
        var recovered = false
        let deadline = ContinuousClock.now + .seconds(60)
        while !recovered, ContinuousClock.now < deadline {
            if case .success(let ticket) = try await client.place(Slips.single("k1-a", on: board, stake: 100)) {
                acknowledged.append(ticket.ticketId)
                recovered = true
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(recovered, "bets are taken again once space returns")
        #expect(try await client.send(.GET, "/ready").status == 200, "ready again once a bet is journaled")

        #expect(await daemon.terminate() == 0)
        running = false
        let verified = try Command.run(try BuiltProducts.path(of: "holdfast"), ["journal", "verify", "--full", "--data-dir", daemon.dataDirectory])
        #expect(verified.contains("journal OK"), "\(verified)")
        let restarted = daemon.client(port: try await daemon.start())
        running = true
        for ticket in acknowledged {
            #expect(try await restarted.send(.GET, "/v1/tickets/\(ticket)").status == 200, "acknowledged ticket \(ticket) is missing")
        }
        print("disk full after \(acknowledged.count - 1) bets; refused with: \(refused.detail); recovered; \(acknowledged.count) acknowledged, lost 0")
    }
}

/// A tmpfs of a few megabytes mounted over a directory, and a file that fills it.
final class SmallDisk {
    let path: String
    private var filler: String { path + "/.filler" }

    static let canMount: Bool = {
        guard getuid() == 0, let probe = try? TemporaryDirectory() else { return false }
        guard (try? Command.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path])) != nil else { return false }
        _ = try? Command.run("/bin/umount", [probe.path])
        return true
    }()

    init(at path: String, megabytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Command.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0700", "tmpfs", path])
    }

    /// Writes a file taking all but `bytes` of the free space.
    func fill(leaving bytes: Int64) throws {
        let free = try FileManager.default.attributesOfFileSystem(forPath: path)[.systemFreeSize] as? Int64 ?? 0
        guard FileManager.default.createFile(atPath: filler, contents: Data(count: Int(max(0, free - bytes)))) else {
            throw ChildProcessError("cannot write the filler file \(filler)")
        }
    }

    func release() throws {
        try FileManager.default.removeItem(atPath: filler)
    }

    deinit {
        _ = try? Command.run("/bin/umount", ["-l", path])
    }
}
