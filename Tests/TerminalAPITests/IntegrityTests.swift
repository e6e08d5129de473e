import Foundation
import Testing
import TestSupport
import TerminalClient
import TerminalProtocol

/// holdfastd checks itself against a manifest made with coreutils' sha256sum, and refuses bets
/// when the binary or the configuration does not match it.
@Suite("Self-verification against a sha256sum manifest", .timeLimit(.minutes(1)))
struct IntegrityTests {
    /// A daemon whose configuration names `manifest.sha256`, holding sums of its binary and its
    /// configuration; `tamper` changes the configuration afterwards.
    func placeFirstBet(tamper: Bool) async throws -> Result<TicketView, Problem> {
        let daemon = try DaemonFixture(applianceExtra: ", manifest: manifest.sha256")
        let config = daemon.directory.path + "/holdfast.yaml"
        let sums = try await runToCompletion("/usr/bin/sha256sum", [try BuiltProducts.path(of: "holdfastd"), config])
        guard sums.status == 0 else { throw ChildProcessError("sha256sum failed: \(sums.errors)") }
        try sums.output.write(toFile: daemon.directory.path + "/manifest.sha256", atomically: true, encoding: .utf8)
        if tamper {
            let handle = try #require(FileHandle(forWritingAtPath: config))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("# edited after approval\n".utf8))
            try handle.close()
        }
        let port = try await daemon.start()
        defer { daemon.terminateInBackground() }
        let client = daemon.client(port: port)
        let board = try await client.board()
        let selection = board.markets[0].selections[0]
        return try await client.place(PlaceBetRequest(
            idempotencyKey: "integrity-\(tamper)", type: "single",
            legs: [LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion)],
            stakePerLine: MoneyView(minorUnits: 100, currency: "GBP"), oddsChangePolicy: .acceptHigher))
    }

    @Test("matching software and configuration: bets are taken")
    func matching() async throws {
        if case .failure(let problem) = try await placeFirstBet(tamper: false) {
            Issue.record("the bet was refused although everything matches the manifest: \(problem.detail)")
        }
    }

    @Test("a configuration edited after its manifest was made: bets are refused, naming the file")
    func tampered() async throws {
        guard case .failure(let problem) = try await placeFirstBet(tamper: true) else {
            Issue.record("a bet was taken with a configuration that does not match its manifest")
            return
        }
        #expect(problem.kind == .intakeClosed)
        #expect(problem.detail.contains("software integrity") && problem.detail.contains("holdfast.yaml"), "\(problem.detail)")
    }
}
