import Foundation
import Hummingbird
import TerminalProtocol

/// JSON in and out of handlers.
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        response(bytes: try JSONEncoder().encode(value), status: status, headers: headers)
    }

    /// A ticket or a refusal. The ticket is written by `TicketView.jsonBytes()`, not `JSONEncoder`:
    /// every placement answers one.
    static func ticket(_ result: Result<TicketView, Problem>, status: HTTPResponse.Status = .ok) throws -> Response {
        response(bytes: try result.get().jsonBytes(), status: status)
    }

    private static func response(bytes: some Sequence<UInt8>, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Decodes the (already collected, size-bounded) body; failures name the field at fault.
    static func decode<T: Decodable>(_ type: T.Type, from request: inout Request) async throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try await collectedBody(&request).readableBytesView))
    }

    /// A bet slip: read straight from the bytes when it is a plain one (`PlaceBetRequest.read`),
    /// else by `JSONDecoder`, which reads the rest of JSON and names what is wrong.
    static func decodeSlip(from request: inout Request) async throws -> PlaceBetRequest {
        let body = try await collectedBody(&request)
        if let slip = body.withUnsafeReadableBytes(PlaceBetRequest.read) { return slip }
        return try JSONDecoder().decode(PlaceBetRequest.self, from: Data(body.readableBytesView))
    }

    private static func collectedBody(_ request: inout Request) async throws -> ByteBuffer {
        let buffer = try await request.collectBody(upTo: .max)
        guard buffer.readableBytes > 0 else { throw Problem(.malformedRequest, detail: "the request needs a JSON body") }
        return buffer
    }

    static func result<Value: Encodable>(_ result: Result<Value, Problem>, status: HTTPResponse.Status = .ok) throws -> Response {
        switch result {
        case .success(let value): try response(value, status: status)
        case .failure(let problem): throw problem
        }
    }
}
