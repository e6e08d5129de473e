public import Foundation
public import SyncProtocol

/// How the uplink talks to one of central's endpoints. The HTTP transport is the real one; the
/// simulator substitutes its own.
public protocol SyncTransport: Sendable {
    /// Central's high-water mark for this appliance.
    func highWater(at endpoint: URL) async throws(UplinkError) -> PushAnswer
    func push(_ batch: PushBatch, to endpoint: URL) async throws(UplinkError) -> PushAnswer
    /// The feed after `cursor`, waiting up to `wait` for items when there are none.
    func feed(after cursor: Int64, wait: Duration, at endpoint: URL) async throws(UplinkError) -> FeedPage
    /// The records central holds for this appliance after `seq` (restoring from central).
    func history(after seq: Int64, limit: Int, at endpoint: URL) async throws(UplinkError) -> RecordPage
    /// Succeeds when the endpoint and its database answer.
    func checkHealth(of endpoint: URL) async throws(UplinkError)
    /// Closes connections; called once when the uplink stops.
    func shutdown() async
}

/// Why a request to central failed.
public enum UplinkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No answer: connection refused or reset, TLS failure, timeout.
    case unreachable(String)
    /// Central answered with a problem document.
    case refused(SyncProblem)
    /// Central answered something this protocol version does not describe.
    case badAnswer(String)

    /// Whether another attempt, perhaps at another endpoint, can succeed without a person.
    public var isTransient: Bool {
        switch self {
        case .unreachable, .badAnswer: true
        case .refused(let problem): problem.type.isTransient || problem.type == .gap
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let why): "central unreachable: \(why)"
        case .refused(let problem): "central refused: \(problem)"
        case .badAnswer(let why): "central's answer is not valid: \(why)"
        }
    }
}
