import Appliance
import Foundation
import Hummingbird
import ServiceLifecycle
import TerminalProtocol

/// The odds board, whole (`GET /v1/board`, with an ETag) or as a live Server-Sent Events stream
/// (`GET /v1/board/stream`: an `event: board` with the whole board at once and after every change,
/// and a comment line as a heartbeat so idle connections stay open).
struct BoardRoutes {
    let service: ApplianceService
    let heartbeat: Duration

    func register(on group: RouterGroup<TerminalRequestContext>) {
        group.get("board") { request, _ in
            let board = service.board
            let etag = "\"board-\(board.version)\""
            if let ifNoneMatch = request.headers[.ifNoneMatch], Self.matches(ifNoneMatch, etag: etag) {
                return Response(status: .notModified, headers: [.eTag: etag])
            }
            return Response(status: .ok, headers: [.contentType: "application/json", .eTag: etag],
                            body: .init(byteBuffer: ByteBuffer(bytes: board.json)))
        }
        group.get("board/stream") { _, _ in
            guard let updates = service.boardUpdates.subscribe() else {
                throw Problem(.busy, detail: "the appliance already serves its maximum number of board streams")
            }
            let first = service.board
            let heartbeat = self.heartbeat
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: .init { writer in
                                try await writer.write(event(first))
                                let (items, end) = merged(updates, heartbeat: heartbeat)
                                // A graceful shutdown ends open streams, or the server would wait on them.
                                try await withGracefulShutdownHandler {
                                    for await item in items {
                                        switch item {
                                        case .board(let snapshot): try await writer.write(event(snapshot))
                                        case .heartbeat: try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                                        }
                                    }
                                } onGracefulShutdown: {
                                    end.finish()
                                }
                                try await writer.finish(nil)
                            })
        }
    }

    /// RFC 9110 If-None-Match: `*` or a list of entity tags, compared weakly.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }

    private enum StreamItem: Sendable {
        case board(BoardSnapshot)
        case heartbeat
    }

    /// Board updates and periodic heartbeats as one stream; ends when the updates end or the
    /// returned continuation is finished.
    private func merged(_ updates: AsyncStream<BoardSnapshot>, heartbeat: Duration)
        -> (AsyncStream<StreamItem>, AsyncStream<StreamItem>.Continuation) {
        let (stream, continuation) = AsyncStream<StreamItem>.makeStream(bufferingPolicy: .bufferingNewest(8))
        let forward = Task {
            for await snapshot in updates { continuation.yield(.board(snapshot)) }
            continuation.finish()
        }
        let beat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                continuation.yield(.heartbeat)
            }
        }
        continuation.onTermination = { _ in
            forward.cancel()
            beat.cancel()
        }
        return (stream, continuation)
    }

    private func event(_ snapshot: BoardSnapshot) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: board\nid: \(snapshot.version)\ndata: ")
        buffer.writeBytes(snapshot.json)
        buffer.writeString("\n\n")
        return buffer
    }
}
