import Foundation
public import TerminalProtocol
public import Wagering

/// The board as served: its version and its JSON, encoded once per change rather than per request.
public struct BoardSnapshot: Sendable {
    public let version: Int64
    public let board: Board
    public let json: [UInt8]

    init(version: Int64, board: Board, inPlayRules: InPlayRules = .standard) throws {
        self.version = version
        self.board = board
        self.json = Array(try JSONEncoder().encode(BoardView(version: version, board: board, inPlayRules: inPlayRules)))
    }
}
