/// Every refusal the terminal API gives, with its HTTP status. The raw value is the stable,
/// machine-readable `type` of the RFC 9457 problem document; terminals switch on it.
public enum ProblemType: String, Sendable, Codable, CaseIterable {
    case malformedRequest = "/problems/malformed-request"
    case bodyTooLarge = "/problems/body-too-large"
    case unauthenticated = "/problems/unauthenticated"
    case forbiddenRole = "/problems/forbidden-role"
    case notFound = "/problems/not-found"
    case methodNotAllowed = "/problems/method-not-allowed"
    case invalidSlip = "/problems/invalid-slip"
    case unknownSelection = "/problems/unknown-selection"
    case oddsChanged = "/problems/odds-changed"
    case marketNotOpen = "/problems/market-not-open"
    case selectionWithdrawn = "/problems/selection-withdrawn"
    case limitExceeded = "/problems/limit-exceeded"
    case idempotencyConflict = "/problems/idempotency-conflict"
    case intakeClosedPower = "/problems/intake-closed-power"
    case intakeClosed = "/problems/intake-closed"
    case offlineLimit = "/problems/offline-limit"
    case busy = "/problems/busy"
    case journalUnavailable = "/problems/journal-unavailable"
    case ticketNotFound = "/problems/ticket-not-found"
    case ticketNotPayable = "/problems/ticket-not-payable"
    case awaitingVerdict = "/problems/awaiting-verdict"
    case ticketNotOpen = "/problems/ticket-not-open"
    case voidWindowPassed = "/problems/void-window-passed"
    case securityCodeMismatch = "/problems/security-code-mismatch"
    case betDeclinedInDelay = "/problems/bet-declined-in-delay"
    case tooManyPendingBets = "/problems/too-many-pending-bets"
    /// Unlike every other 503: the bet *is* recorded; only its decision is not known yet.
    case betPending = "/problems/bet-pending"

    public var status: Int {
        switch self {
        case .malformedRequest: 400
        case .bodyTooLarge: 413
        case .unauthenticated: 401
        case .forbiddenRole, .securityCodeMismatch: 403
        case .notFound, .ticketNotFound: 404
        case .methodNotAllowed: 405
        case .oddsChanged, .marketNotOpen, .selectionWithdrawn, .idempotencyConflict, .ticketNotPayable, .awaitingVerdict,
             .ticketNotOpen, .voidWindowPassed, .betDeclinedInDelay: 409
        case .invalidSlip, .unknownSelection, .limitExceeded: 422
        case .busy, .tooManyPendingBets: 429
        case .intakeClosedPower, .intakeClosed, .offlineLimit, .journalUnavailable, .betPending: 503
        }
    }

    public var title: String {
        switch self {
        case .malformedRequest: "The request is malformed"
        case .bodyTooLarge: "The request body is too large"
        case .unauthenticated: "The request is not signed by a known terminal"
        case .forbiddenRole: "This terminal's role may not do that"
        case .notFound: "No such resource"
        case .methodNotAllowed: "Method not allowed"
        case .invalidSlip: "The bet slip is not valid"
        case .unknownSelection: "A selection is not on the board"
        case .oddsChanged: "The odds changed"
        case .marketNotOpen: "The market is not open"
        case .selectionWithdrawn: "The selection has been withdrawn"
        case .limitExceeded: "A betting limit would be exceeded"
        case .idempotencyConflict: "The idempotency key was used for a different bet"
        case .intakeClosedPower: "Bets are closed: the appliance is shutting down on battery"
        case .intakeClosed: "Bets are closed"
        case .offlineLimit: "An offline limit would be exceeded"
        case .busy: "The appliance is busy; retry shortly"
        case .journalUnavailable: "The bet journal is unavailable; nothing was recorded"
        case .ticketNotFound: "No such ticket"
        case .ticketNotPayable: "The ticket has nothing to pay"
        case .awaitingVerdict: "The ticket was taken offline and waits for central's verdict"
        case .ticketNotOpen: "The ticket is not open"
        case .voidWindowPassed: "The void window has passed"
        case .securityCodeMismatch: "The security code does not match"
        case .betDeclinedInDelay: "The in-play bet was declined at the end of its delay; no stake was taken"
        case .tooManyPendingBets: "Too many in-play bets are waiting out their delay"
        case .betPending: "The in-play bet is recorded and not decided yet; retry with the same key"
        }
    }
}

/// An RFC 9457 problem document (`application/problem+json`) with Holdfast's extension members.
public struct Problem: Codable, Sendable, Hashable, Error {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// For `odds-changed`: every moved price, with the current one to show the customer.
    public var movedPrices: [MovedPriceView]?
    /// For `limit-exceeded` and `offline-limit`: which limit, its amount, what the bet would reach.
    public var limit: LimitView?
    /// For request-shape problems: the field at fault.
    public var field: String?
    /// For `idempotency-conflict`: the ticket the key already made; for `bet-declined-in-delay`,
    /// the declined ticket.
    public var ticketId: String?
    /// For `bet-declined-in-delay`: why (`market_changed_in_delay`, `price_changed_in_delay`,
    /// `limit_at_decision`, `event_started_in_delay`, `undecided_in_time`).
    public var declineReason: String?

    public init(_ kind: ProblemType, detail: String, movedPrices: [MovedPriceView]? = nil, limit: LimitView? = nil,
                field: String? = nil, ticketId: String? = nil, declineReason: String? = nil) {
        type = kind.rawValue
        title = kind.title
        status = kind.status
        self.detail = detail
        self.movedPrices = movedPrices
        self.limit = limit
        self.field = field
        self.ticketId = ticketId
        self.declineReason = declineReason
    }

    public var kind: ProblemType? { ProblemType(rawValue: type) }

    public static let mediaType = "application/problem+json"
}

public struct MovedPriceView: Codable, Sendable, Hashable {
    public var selectionId: String
    public var seenPrice: PriceView
    public var seenPriceVersion: UInt64
    public var currentPrice: PriceView
    public var currentPriceVersion: UInt64

    public init(selectionId: String, seenPrice: PriceView, seenPriceVersion: UInt64, currentPrice: PriceView, currentPriceVersion: UInt64) {
        self.selectionId = selectionId
        self.seenPrice = seenPrice
        self.seenPriceVersion = seenPriceVersion
        self.currentPrice = currentPrice
        self.currentPriceVersion = currentPriceVersion
    }
}

public struct LimitView: Codable, Sendable, Hashable {
    /// e.g. "max_stake_per_bet", "max_liability_per_market" (docs/wagering.md, "Limits").
    public var name: String
    public var limit: MoneyView
    public var attempted: MoneyView
    public var subject: String?

    public init(name: String, limit: MoneyView, attempted: MoneyView, subject: String?) {
        self.name = name
        self.limit = limit
        self.attempted = attempted
        self.subject = subject
    }
}
