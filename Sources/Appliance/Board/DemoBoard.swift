import Foundation
public import Wagering

/// The demo board: markets for trying the appliance out, loaded from a JSON fixture
/// (firmware-config/demo/board.json). Every event name there starts with "DEMO" so no one mistakes
/// it for a real fixture list.
public enum DemoBoard {
    struct File: Decodable {
        var markets: [DemoMarket]
    }

    struct DemoMarket: Decodable {
        var id: String
        var name: String
        var event: DemoEvent
        var inPlay: Bool?
        var allowsSameEventMultiples: Bool?
        var selections: [DemoSelection]
    }

    struct DemoEvent: Decodable {
        var id: String
        var name: String
        /// Minutes after the board is loaded, so the demo's events are always in the future.
        var startsInMinutes: Int64
    }

    struct DemoSelection: Decodable {
        var id: String
        var name: String
        /// Any odds format: "11/8", "2.375", "+138", "evens".
        var price: String
    }

    public static func load(path: String, nowMillis: Int64) throws -> [Market] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DemoBoardError("cannot read the demo board at \(path)")
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: data) } catch {
            throw DemoBoardError("the demo board at \(path) is not valid: \(error)")
        }
        return try file.markets.map { market in
            let event = Event(id: EventID(rawValue: market.event.id), name: market.event.name,
                              startsAtMillis: nowMillis + market.event.startsInMinutes * 60_000)
            let selections = try market.selections.map { selection in
                do {
                    return Selection(id: SelectionID(rawValue: selection.id), name: selection.name, odds: try Odds.parse(selection.price))
                } catch {
                    throw DemoBoardError("demo board: selection \(selection.id) has price '\(selection.price)': \(error)")
                }
            }
            return Market(id: MarketID(rawValue: market.id), event: event, name: market.name, inPlay: market.inPlay ?? false,
                          allowsSameEventMultiples: market.allowsSameEventMultiples ?? false, selections: selections)
        }
    }
}

public struct DemoBoardError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
