import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
public import SyncProtocol

/// The sync protocol over HTTPS with this appliance's client certificate (mutual TLS), through
/// async-http-client. Every request is bounded by the configured timeout, connecting included.
public final class HTTPSyncTransport: SyncTransport {
    private let client: HTTPClient
    private let appliance: String
    private let timeout: Duration
    /// The largest answer is a page of records (history); anything larger is not central talking.
    private static let maxAnswerBytes = 32 << 20

    public init(settings: UplinkSettings, appliance: String) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateChain = try NIOSSLCertificate.fromPEMFile(settings.certificateFile).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: settings.keyFile, format: .pem))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(settings.centralCAFile))
        let seconds = max(1, settings.requestTimeout.components.seconds)
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            timeout: .init(connect: .seconds(seconds), read: .seconds(seconds + Int64(FeedPage.maxWaitSeconds))))
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.appliance = appliance
        timeout = settings.requestTimeout
    }

    public func highWater(at endpoint: URL) async throws(UplinkError) -> PushAnswer {
        try await exchange(endpoint, path: SyncPath.records, method: .GET, body: nil)
    }

    public func push(_ batch: PushBatch, to endpoint: URL) async throws(UplinkError) -> PushAnswer {
        let body: Data
        do { body = try JSONEncoder().encode(batch) } catch { throw .badAnswer("the batch could not be encoded: \(error)") }
        return try await exchange(endpoint, path: SyncPath.records, method: .POST, body: body)
    }

    public func feed(after cursor: Int64, wait: Duration, at endpoint: URL) async throws(UplinkError) -> FeedPage {
        try await exchange(endpoint, path: SyncPath.feed + "?after=\(cursor)&wait=\(wait.components.seconds)", method: .GET, body: nil,
                           timeout: timeout + wait)
    }

    public func history(after seq: Int64, limit: Int, at endpoint: URL) async throws(UplinkError) -> RecordPage {
        try await exchange(endpoint, path: SyncPath.history + "?after=\(seq)&limit=\(limit)", method: .GET, body: nil)
    }

    public func checkHealth(of endpoint: URL) async throws(UplinkError) {
        let _: HealthReply = try await exchange(endpoint, path: SyncPath.health, method: .GET, body: nil)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    private func exchange<Answer: Decodable>(_ endpoint: URL, path: String, method: HTTPMethod, body: Data?,
                                             timeout: Duration? = nil) async throws(UplinkError) -> Answer {
        var request = HTTPClientRequest(url: endpoint.absoluteString.trimmingSuffix("/") + path)
        request.method = method
        request.headers.add(name: SyncProtocolVersion.header, value: String(SyncProtocolVersion.current))
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let status: UInt
        let answer: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout ?? self.timeout))
            status = response.status.code
            answer = try await response.body.collect(upTo: Self.maxAnswerBytes)
        } catch {
            throw .unreachable(String(describing: error))
        }
        let data = Data(answer.readableBytesView)
        guard status == 200 else {
            if let problem = try? JSONDecoder().decode(SyncProblem.self, from: data) { throw .refused(problem) }
            throw .badAnswer("HTTP \(status) without a problem document")
        }
        do { return try JSONDecoder().decode(Answer.self, from: data) } catch { throw .badAnswer("\(error)") }
    }
}

private struct HealthReply: Decodable {
    var status: String
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
