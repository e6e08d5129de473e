/// The odds board: every market the appliance knows, indexed by selection.
///
/// The board assigns price versions itself, so they only ever go up: republishing a market keeps
/// the version of an unchanged price and bumps a changed one.
public struct Board: Hashable, Sendable {
    public private(set) var markets: [MarketID: Market] = [:]
    private var marketOfSelection: [SelectionID: MarketID] = [:]

    public init() {}

    public func market(_ id: MarketID) -> Market? { markets[id] }

    public func market(containing selection: SelectionID) -> Market? {
        marketOfSelection[selection].flatMap { markets[$0] }
    }

    /// Checks a publication against the board without changing it.
    public func validate(_ market: Market) throws(BoardError) {
        guard !market.selections.isEmpty else { throw .marketHasNoSelections(market.id) }
        var seen = Set<SelectionID>()
        for selection in market.selections {
            guard seen.insert(selection.id).inserted else { throw .duplicateSelection(selection.id) }
            if let owner = marketOfSelection[selection.id], owner != market.id {
                throw .selectionBelongsToAnotherMarket(selection.id, owner)
            }
        }
        if let existing = markets[market.id], existing.status == .settled {
            throw .marketAlreadySettled(market.id)
        }
    }

    /// Adds or replaces a market, assigning price versions; returns the market as stored.
    @discardableResult
    public mutating func publish(_ market: Market) throws(BoardError) -> Market {
        try validate(market)
        var stored = market
        let previous = markets[market.id]
        stored.changeCount = previous.map { $0.isChange(to: market) ? $0.changeCount + 1 : $0.changeCount } ?? 0
        for index in stored.selections.indices {
            let selection = stored.selections[index]
            if let old = previous?.selection(selection.id) {
                stored.selections[index].priceVersion = old.odds == selection.odds ? old.priceVersion : old.priceVersion + 1
            } else {
                stored.selections[index].priceVersion = 1
            }
        }
        if let previous {
            for selection in previous.selections where stored.selection(selection.id) == nil {
                marketOfSelection[selection.id] = nil
            }
        }
        for selection in stored.selections { marketOfSelection[selection.id] = stored.id }
        markets[stored.id] = stored
        return stored
    }

    /// Puts back a market exactly as saved, price versions included (loading saved state).
    public mutating func restore(_ market: Market) throws(BoardError) {
        try validate(market)
        for selection in market.selections { marketOfSelection[selection.id] = market.id }
        markets[market.id] = market
    }

    /// Sets a new price; the selection's version goes up by one if the price differs.
    @discardableResult
    public mutating func changePrice(of selectionID: SelectionID, to odds: Odds) throws(BoardError) -> Selection {
        guard let marketID = marketOfSelection[selectionID], var market = markets[marketID],
              let index = market.selections.firstIndex(where: { $0.id == selectionID })
        else { throw .unknownSelection(selectionID) }
        guard market.status != .settled else { throw .marketAlreadySettled(marketID) }
        if market.selections[index].odds != odds {
            market.selections[index].odds = odds
            market.selections[index].priceVersion += 1
        }
        markets[marketID] = market
        return market.selections[index]
    }

    public mutating func setStatus(of marketID: MarketID, to status: MarketStatus, inPlay: Bool? = nil) throws(BoardError) {
        guard var market = markets[marketID] else { throw .unknownMarket(marketID) }
        guard market.status != .settled || status == .settled else { throw .marketAlreadySettled(marketID) }
        var next = market
        next.status = status
        if let inPlay { next.inPlay = inPlay }
        if market.isChange(to: next) { next.changeCount += 1 }
        markets[marketID] = next
    }

    public mutating func withdraw(_ selectionID: SelectionID) throws(BoardError) {
        guard let marketID = marketOfSelection[selectionID], var market = markets[marketID],
              let index = market.selections.firstIndex(where: { $0.id == selectionID })
        else { throw .unknownSelection(selectionID) }
        guard market.status != .settled else { throw .marketAlreadySettled(marketID) }
        if market.selections[index].status == .active { market.changeCount += 1 }
        market.selections[index].status = .withdrawn
        markets[marketID] = market
    }
}

public enum BoardError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownMarket(MarketID)
    case unknownSelection(SelectionID)
    case marketHasNoSelections(MarketID)
    case duplicateSelection(SelectionID)
    case selectionBelongsToAnotherMarket(SelectionID, MarketID)
    case marketAlreadySettled(MarketID)
    /// Asked to mark a market settled by a status change or a publication; only a result settles
    /// one, since it settles the market's tickets too.
    case settledOnlyByResult(MarketID)

    public var description: String {
        switch self {
        case .unknownMarket(let id): "no market '\(id)' on the board"
        case .unknownSelection(let id): "no selection '\(id)' on the board"
        case .marketHasNoSelections(let id): "market '\(id)' has no selections"
        case .duplicateSelection(let id): "selection '\(id)' appears twice in one market"
        case .selectionBelongsToAnotherMarket(let id, let owner): "selection '\(id)' already belongs to market '\(owner)'"
        case .marketAlreadySettled(let id): "market '\(id)' is settled and can no longer change"
        case .settledOnlyByResult(let id): "market '\(id)' is settled by its result, not by a status change or a publication"
        }
    }
}
