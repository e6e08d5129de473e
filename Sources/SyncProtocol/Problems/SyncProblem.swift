/// Why central refused a request: the RFC 9457 problem document's stable `type`, which the
/// appliance switches on. A refusal of records stores none of the batch.
public enum SyncProblemType: String, Sendable, Codable, CaseIterable {
    /// The body is not a valid request of this protocol version.
    case malformed = "/sync-problems/malformed"
    /// The request's protocol version is not one central speaks.
    case unsupportedVersion = "/sync-problems/unsupported-version"
    /// No client certificate, or one central has not enrolled.
    case unknownAppliance = "/sync-problems/unknown-appliance"
    /// The batch names another appliance than the certificate's.
    case wrongAppliance = "/sync-problems/wrong-appliance"
    /// More records than ``PushBatch/maxRecords``, or records out of order within the batch.
    case badBatch = "/sync-problems/bad-batch"
    /// The batch starts after central's high-water mark: records in between are missing.
    case gap = "/sync-problems/gap"
    /// A record does not continue the chain central holds, or differs from the record central
    /// already holds at that seq: two histories of one appliance.
    case fork = "/sync-problems/fork"
    /// A record's hash is not the hash of its contents.
    case altered = "/sync-problems/altered"
    /// Central's database is unreachable; try again later (or another endpoint).
    case unavailable = "/sync-problems/unavailable"

    public var status: Int {
        switch self {
        case .malformed, .badBatch: 400
        case .unknownAppliance: 401
        case .wrongAppliance: 403
        case .gap, .fork, .altered: 409
        case .unsupportedVersion: 426
        case .unavailable: 503
        }
    }

    /// Whether retrying the same request can succeed without anyone intervening.
    public var isTransient: Bool { self == .unavailable }
}

/// The problem document both sides exchange. `highWater` is set on gap and fork refusals, so the
/// appliance can resume from the right place or report exactly where the histories part.
public struct SyncProblem: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    public var type: SyncProblemType
    public var title: String
    public var status: Int
    public var detail: String
    /// The record the refusal is about, when it is one.
    public var seq: Int64?
    public var highWater: SyncHead?

    public init(_ type: SyncProblemType, detail: String, seq: Int64? = nil, highWater: SyncHead? = nil) {
        self.type = type
        self.title = type.title
        self.status = type.status
        self.detail = detail
        self.seq = seq
        self.highWater = highWater
    }

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, seq
        case highWater = "high_water"
    }

    public var description: String { "\(type.rawValue): \(detail)" }
}

extension SyncProblemType {
    public var title: String {
        switch self {
        case .malformed: "The request is not a valid sync request"
        case .unsupportedVersion: "Unsupported sync protocol version"
        case .unknownAppliance: "The client certificate is not an enrolled appliance's"
        case .wrongAppliance: "The batch is for another appliance"
        case .badBatch: "The batch is too large or out of order"
        case .gap: "Records are missing before this batch"
        case .fork: "The records do not continue the chain central holds"
        case .altered: "A record's hash does not match its contents"
        case .unavailable: "Central cannot store records right now"
        }
    }
}
