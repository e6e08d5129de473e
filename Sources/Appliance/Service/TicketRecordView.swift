public import Journal
public import TerminalProtocol

extension TicketView {
    /// A journaled ticket as terminals see it, after a lookup, a payout or a void: no security
    /// code (the customer's ticket holds it; it is answered only when the bet is placed), and
    /// the reason while voided.
    public init(_ record: TicketRecord) {
        self.init(bet: record.bet, status: record.status, amount: record.amount, securityCode: nil, replayed: false,
                  voidReason: record.voidReason, verdict: record.verdict, declineReason: record.declined?.declined?.rawValue)
    }
}
