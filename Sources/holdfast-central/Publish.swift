import ArgumentParser
import Central
import Foundation
import Logging
import SyncProtocol
import Wagering

/// `holdfast-central publish`: the operator's trading desk in its simplest form, putting markets,
/// prices, statuses and results on a venue's feed.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish a market, a price, a status, a result or a credential to a venue's appliances.",
        subcommands: [PublishMarket.self, PublishPrice.self, PublishStatus.self, PublishResult.self, PublishLimits.self, PublishTerminal.self,
                      PublishTechnician.self]
    )
}

struct FeedTarget: ParsableArguments {
    @OptionGroup var database: DatabaseOption
    @Option(help: "The venue whose appliances receive it.") var venue: String

    func publish(_ change: FeedChange) async throws {
        try await publish([change])
    }

    /// The changes in order, in one transaction: an appliance reads all of them or none.
    func publish(_ changes: [FeedChange]) async throws {
        let venue = venue
        let cursors = try await database.withStore(logger: Logger(label: "holdfast-central")) { store in
            try await store.migrate()
            return try await store.publish(changes, venue: venue)
        }
        for (change, cursor) in zip(changes, cursors) { print("published \(change.kind) to \(venue) at cursor \(cursor)") }
    }
}

/// Reads a JSON file the operator wrote; the error names the file and what it should have been.
private func decodeFile<T: Decodable>(_ type: T.Type, _ file: String, _ what: String) throws -> T {
    guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
    do { return try JSONDecoder().decode(type, from: data) } catch { throw ValidationError("\(file) is not \(what): \(error)") }
}

struct PublishMarket: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "market", abstract: "Publish (or replace) a market from a JSON file.")
    @OptionGroup var target: FeedTarget
    @Option(help: "The market as JSON (docs/sync-protocol.md, \"Feed\").") var file: String

    func run() async throws {
        try await target.publish(.marketPublished(try decodeFile(Market.self, file, "a market")))
    }
}

struct PublishPrice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "price", abstract: "Change a selection's price.")
    @OptionGroup var target: FeedTarget
    @Option(help: "The selection id.") var selection: String
    @Option(help: "The new odds: decimal (2.5), fractional (6/4) or American (+150).") var odds: String

    func run() async throws {
        let parsed: Odds
        do { parsed = try Odds.parse(odds) } catch { throw ValidationError("--odds: \(error)") }
        try await target.publish(.priceChanged(selection: SelectionID(rawValue: selection), odds: parsed))
    }
}

struct PublishStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Open, suspend or close a market; set it in play.")
    @OptionGroup var target: FeedTarget
    @Option(help: "The market id.") var market: String
    @Option(help: "open, suspended or closed.") var status: String
    @Option(help: "true or false: whether the market is in play.") var inPlay: Bool?

    func run() async throws {
        guard let parsed = MarketStatus(rawValue: status), parsed != .settled else {
            throw ValidationError("--status must be open, suspended or closed (a result settles a market)")
        }
        try await target.publish(.statusChanged(market: MarketID(rawValue: market), status: parsed, inPlay: inPlay))
    }
}

struct PublishResult: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "result", abstract: "Result a market: appliances settle its bets.")
    @OptionGroup var target: FeedTarget
    @Option(help: "The market id.") var market: String
    @Option(help: "A winning selection (repeat for several).") var winner: [String] = []
    @Option(help: "A void selection: stakes back (repeat for several).") var void: [String] = []

    func run() async throws {
        var outcomes: [SelectionID: Outcome] = [:]
        for id in winner { outcomes[SelectionID(rawValue: id)] = .win }
        for id in void { outcomes[SelectionID(rawValue: id)] = .void }
        guard !outcomes.isEmpty else { throw ValidationError("name at least one --winner or --void; the rest lose") }
        // Suspended first, in the same transaction: an appliance that has not yet read the result
        // stops taking bets on a race that is over (issue 24, hole 4).
        let id = MarketID(rawValue: market)
        try await target.publish([.statusChanged(market: id, status: .suspended, inPlay: nil),
                                  .resulted(MarketResult(marketID: id, outcomes: outcomes))])
    }
}

struct PublishTerminal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "terminal", abstract: "Provision a terminal at the venue, or revoke one.")
    @OptionGroup var target: FeedTarget
    @Option(help: "The terminal id.") var id: String
    @Option(help: "kiosk or staff.") var role = "kiosk"
    @Option(help: "Its signing secret, 64 hex digits (`holdfast terminal add` makes one).") var secret: String?
    @Flag(help: "Revoke the terminal instead: its requests are refused.") var revoke = false

    func run() async throws {
        guard ["kiosk", "staff"].contains(role) else { throw ValidationError("--role must be kiosk or staff") }
        if !revoke {
            guard let secret, secret.count == 64, secret.allSatisfy(\.isHexDigit) else {
                throw ValidationError("--secret must be 64 hex digits (or pass --revoke)")
            }
        }
        try await target.publish(.terminal(TerminalGrant(id: id, role: role, secret: revoke ? nil : secret?.lowercased(), revoked: revoke)))
    }
}

struct PublishTechnician: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "technician", abstract: "Allow a technician on the venue's consoles, or revoke one.")
    @OptionGroup var target: FeedTarget
    @Option(help: "The technician's login name.") var name: String
    @Option(help: "The PIN's hash from `holdfast console hash-pin` (never the PIN).") var pinHash: String?
    @Flag(help: "Revoke the technician instead.") var revoke = false

    func run() async throws {
        if !revoke {
            guard let pinHash, pinHash.hasPrefix("scrypt:") else { throw ValidationError("--pin-hash must be a scrypt:... hash from holdfast console hash-pin") }
        }
        try await target.publish(.technician(TechnicianGrant(name: name, pinHash: revoke ? nil : pinHash, revoked: revoke)))
    }
}

struct PublishLimits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "limits", abstract: "Set the betting limits of the venue's appliances.")
    @OptionGroup var target: FeedTarget
    @Option(help: "The limits as JSON, amounts in minor units (docs/sync-protocol.md, \"Feed\").") var file: String

    func run() async throws {
        let limits = try decodeFile(BettingLimits.self, file, "a set of limits")
        guard limits.minStakePerLine > 0, limits.minStakePerLine <= limits.maxStakePerBet else {
            throw ValidationError("min_stake_per_line must be above zero and at most max_stake_per_bet")
        }
        try await target.publish(.limits(limits))
    }
}
