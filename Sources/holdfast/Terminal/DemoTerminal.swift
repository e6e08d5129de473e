import Appliance
import ArgumentParser
import Foundation
import TerminalClient
import TerminalProtocol
import Wagering

/// `holdfast demo-terminal`: acts as a kiosk against a running holdfastd: reads the board,
/// places a signed single on the first open selection, then retries it to show that a retry
/// never makes a second bet.
struct DemoTerminal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-terminal",
        abstract: "Place a first bet on a running holdfastd, as a kiosk would."
    )

    @Option(help: "The configuration holdfastd runs with (for its address and the terminal's secret).")
    var config = "firmware-config/holdfast-demo.yaml"

    @Option(help: "Which configured terminal to act as.")
    var terminal = "demo-kiosk"

    @Option(help: "Stake per line, in the appliance's currency.")
    var stake = "2.00"

    func run() async throws {
        let settings = try ApplianceConfiguration.load(path: config)
        guard let credential = settings.terminals.first(where: { $0.id.rawValue == terminal }) else {
            throw ValidationError("no terminal '\(terminal)' in \(config)")
        }
        let host = settings.api.host == "0.0.0.0" ? "127.0.0.1" : settings.api.host
        let client = TerminalClient(baseURL: "http://\(host):\(settings.api.port)", terminalID: terminal, secret: credential.secret)
        let board = try await client.board()
        guard let market = board.markets.first(where: { $0.status == .open }),
              let selection = market.selections.first(where: { $0.status == .active })
        else { throw ValidationError("the board (version \(board.version)) has no open selection to bet on") }
        print("board version \(board.version): \(board.markets.count) markets")
        print("betting on \(market.event.name) / \(market.name) / \(selection.name) at \(selection.price.fractional) (\(selection.price.decimal), v\(selection.priceVersion))")

        let stakeMoney = try Money.parse(stake, currency: settings.currency)
        let slip = PlaceBetRequest(idempotencyKey: "demo-\(TerminalClient.freshNonce())", type: "single",
                                   legs: [LegRequest(selectionId: selection.id, price: selection.price.exact, priceVersion: selection.priceVersion)],
                                   stakePerLine: MoneyView(stakeMoney), oddsChangePolicy: .acceptHigher)
        switch try await client.place(slip) {
        case .failure(let problem):
            print("refused: \(problem.type) \(problem.detail)")
            throw ExitCode(1)
        case .success(let ticket):
            print("accepted: ticket \(ticket.ticketId), security code \(ticket.securityCode ?? "-"), stake \(format(ticket.totalStake)), "
                  + "pays \(format(ticket.potentialReturn)) if it wins")
        }
        if case .success(let again) = try await client.place(slip) {
            print("retried with the same idempotency key: ticket \(again.ticketId), replayed=\(again.replayed) (no second bet)")
        }
    }

    private func format(_ money: MoneyView) -> String {
        guard let currency = try? Currency(code: money.currency) else { return "\(money.minorUnits) \(money.currency)" }
        return Money(minorUnits: money.minorUnits, currency: currency).description
    }
}
