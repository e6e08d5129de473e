// A child process for the crash tests: opens a journal, places bets from several concurrent
// submitters as fast as it can, and prints one line per acknowledged bet, flushed at once:
//
//     ACK <ticket id> <seq> <idempotency key>
//
// The test SIGKILLs it mid-stream, reopens the journal, and checks that every line it read names
// a bet that is there. Usage: JournalCrashHarness <data dir> <key prefix> <submitters>
import Foundation
import Journal
import Logging
import Randomness
import Wagering

@main
struct CrashHarness {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count == 4, let submitters = Int(arguments[3]), submitters > 0 else {
            FileHandle.standardError.write(Data("usage: JournalCrashHarness <data dir> <key prefix> <submitters>\n".utf8))
            exit(64)
        }
        let (directory, prefix) = (arguments[1], arguments[2])
        let limits = BettingLimits(minStakePerLine: 1, maxStakePerBet: 1_000_000, maxPayoutPerBet: 100_000_000,
                                   maxLiabilityPerSelection: .max / 4, maxLiabilityPerMarket: .max / 4,
                                   terminalDefaults: TerminalLimits(maxStakePerBet: 1_000_000, maxOpenStake: .max / 4))
        let configuration = JournalConfiguration(directory: directory, applianceCode: try! ApplianceCode("HF01"),
                                                 currency: .gbp, limits: limits, maxOpenTickets: 10_000_000)
        var random = SystemRandom()
        let journal: BetJournal
        do {
            journal = try await BetJournal.open(configuration, clock: SystemClock(), random: &random,
                                                logger: Logger(label: "crash-harness"))
        } catch {
            FileHandle.standardError.write(Data("open failed: \(error)\n".utf8))
            exit(1)
        }
        let board = Market(id: "crash-m", event: Event(id: "crash-e", name: "Crash test", startsAtMillis: 4_102_444_800_000), name: "Win",
                           selections: [Selection(id: "crash-s", name: "Runner", odds: .evens)])
        _ = try? await journal.apply(.publish(board))
        emit("READY")
        await withTaskGroup(of: Void.self) { group in
            for submitter in 0..<submitters {
                group.addTask {
                    var count = 0
                    while true {
                        count += 1
                        let key = "\(prefix)-\(submitter)-\(count)"
                        let slip = BetSlip(kind: .single, legs: [Leg(selectionID: "crash-s", seenOdds: .evens, seenPriceVersion: 1)],
                                           stakePerLine: Money(minorUnits: 100, currency: .gbp), oddsChangePolicy: .exact)
                        let request = BetRequest(terminalID: "crash-kiosk", idempotencyKey: key, slip: slip, requestDigest: Digest256(hashing: Array(key.utf8)))
                        guard let receipt = try? await journal.place(request) else { continue }
                        emit("ACK \(receipt.bet.ticketID) \(receipt.seq) \(key)")
                    }
                }
            }
        }
    }
}

/// One line in one write(2): unbuffered, so a line the test reads was sent before the kill, and
/// lines from concurrent submitters never interleave.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
