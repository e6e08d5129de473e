import Wagering

/// Where central's copy of one appliance's journal ends: the last record it holds durably.
/// `seq` 0 with the genesis hash means it holds nothing yet.
public struct SyncHead: Hashable, Sendable, Codable, CustomStringConvertible {
    public var seq: Int64
    public var hash: [UInt8]

    public init(seq: Int64, hash: [UInt8]) {
        precondition(hash.count == 32, "a chain head's hash is a SHA-256 digest")
        self.seq = seq
        self.hash = hash
    }

    public static let empty = SyncHead(seq: 0, hash: ChainHash.genesis)

    enum CodingKeys: String, CodingKey { case seq, hash }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(Int64.self, forKey: .seq)
        hash = try WireBytes.decodeDigest(container, .hash)
        guard seq >= 0 else {
            throw DecodingError.dataCorruptedError(forKey: .seq, in: container, debugDescription: "seq is negative")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(encodeHex(hash), forKey: .hash)
    }

    public var description: String { "\(seq) (\(encodeHex(hash.prefix(4))))" }
}

/// POST /v1/records: the next records of the appliance's journal, in order. The appliance is
/// the one the client certificate identifies; `appliance` must name the same one.
public struct PushBatch: Hashable, Sendable, Codable {
    /// The most records one batch may carry; central refuses more (and the appliance sends fewer).
    public static let maxRecords = 2_000

    public var appliance: String
    public var records: [JournalRecord]

    public init(appliance: String, records: [JournalRecord]) {
        self.appliance = appliance
        self.records = records
    }
}

/// Central's answer to a push or a high-water-mark request: what it now holds durably. Resending
/// from here after any fault is always safe, since records at or below it are acknowledged again
/// without being stored twice.
public struct PushAnswer: Hashable, Sendable, Codable {
    public var appliance: String
    public var highWater: SyncHead
    /// How many of the batch's records were new to central (the rest it already held).
    public var stored: Int
    /// Central's wall clock when it answered (Unix milliseconds), so the appliance can tell how
    /// far its own clock has drifted.
    public var centralMillis: Int64?

    public init(appliance: String, highWater: SyncHead, stored: Int, centralMillis: Int64? = nil) {
        self.appliance = appliance
        self.highWater = highWater
        self.stored = stored
        self.centralMillis = centralMillis
    }

    enum CodingKeys: String, CodingKey {
        case appliance
        case highWater = "high_water"
        case stored
        case centralMillis = "central_ms"
    }
}

/// GET /v1/records/history: records after the seq asked for, in order, at most
/// ``PushBatch/maxRecords``; empty past central's high-water mark.
public struct RecordPage: Hashable, Sendable, Codable {
    public var records: [JournalRecord]

    public init(records: [JournalRecord]) {
        self.records = records
    }
}
