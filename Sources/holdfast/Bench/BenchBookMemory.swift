import ArgumentParser
import Foundation
import Randomness
import Wagering

/// `holdfast bench book`: the book's memory per open ticket. Every open ticket stays in the
/// daemon's memory until its markets are resulted, so this figure decides how many open tickets
/// an appliance's RAM holds, and so the `max_open_tickets` it can be given (docs/BENCHMARKS.md,
/// "Memory per open ticket").
struct BenchBookMemory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "book",
        abstract: "Memory of the in-memory book per open ticket, placing bets in holdfast bench api's mix."
    )

    @Option(help: "Open tickets to place (1,000 to 5,000,000).")
    var tickets = 200_000

    func run() throws {
        guard (1_000...5_000_000).contains(tickets) else { throw ValidationError("--tickets must be from 1000 to 5000000, got \(tickets)") }
        #if DEBUG
        print("note: this is a debug build; record figures from a release build")
        #endif
        var book = Book(currency: .gbp, limits: BenchBook.limits, maxOpenTickets: tickets)
        for number in 0..<BenchBook.markets { _ = try book.publish(try BenchBook.market(number)) }
        var random = SystemRandom()
        let key = TicketKey.generate(using: &random)
        let code = try ApplianceCode("BNCH")
        var mix = SlipMix(seed: 7)

        let before = try residentBytes()
        let started = ContinuousClock.now
        for serial in 1...tickets {
            if serial % 100_000 == 0 { printProgress("\(serial) of \(tickets) tickets placed") }
            let ticketID = TicketID(applianceCode: code, serial: UInt64(serial))
            _ = try book.place(try mix.request(serial: serial, terminal: "bench-\(serial % 64)"), ticketID: ticketID,
                               securityDigest: SecurityCode(for: ticketID, key: key).digest, nowMillis: Int64(serial))
        }
        let elapsed = ContinuousClock.now - started
        let grown = try residentBytes() - before
        precondition(book.openTicketCount == tickets, "every bench bet stays open")

        let perTicket = grown / tickets
        print("holdfast bench book: \(tickets) open tickets (65 % singles, 20 % three-leg accumulators, 15 % trixies)")
        print("resident memory grew \(formatTwoDecimals(Double(grown) / 1_048_576)) MiB: \(perTicket) bytes per open ticket")
        print("placing (pure book, with request building and security codes): \(Int(Double(tickets) / (elapsed / .seconds(1))))/s")
        print("book_bytes_per_open_ticket=\(perTicket)")
    }

    /// This process's RSS, through the same /proc reading as `holdfast bench api`'s.
    private func residentBytes() throws -> Int {
        let mebibytes = residentMiB(of: getpid())
        guard mebibytes >= 0 else { throw ValidationError("cannot read VmRSS from /proc/self/status") }
        return Int(mebibytes * 1_048_576)
    }
}
