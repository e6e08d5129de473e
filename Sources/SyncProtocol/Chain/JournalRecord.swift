import Wagering

/// One record of an appliance's append-only journal, as the appliance stores it and as central
/// receives it: the same fields, the same bytes, one identity (appliance, seq) end to end.
/// `hash` is ``ChainHash`` over the previous record's hash and this record's fields, so
/// altering, removing or reordering any record breaks the chain at that point.
public struct JournalRecord: Hashable, Sendable {
    public var seq: Int64
    public var wallMillis: Int64
    public var monotonicNanos: Int64
    public var kind: String
    /// The event's JSON, exactly as hashed (the encoding need not be canonical: the bytes are).
    public var payload: [UInt8]
    public var previousHash: [UInt8]
    public var hash: [UInt8]

    public init(seq: Int64, wallMillis: Int64, monotonicNanos: Int64, kind: String, payload: [UInt8],
                previousHash: [UInt8], hash: [UInt8]) {
        self.seq = seq
        self.wallMillis = wallMillis
        self.monotonicNanos = monotonicNanos
        self.kind = kind
        self.payload = payload
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Whether `hash` is the hash of the rest of the record.
    public var isIntact: Bool { ChainHash.compute(for: self) == hash }
}

/// On the wire (docs/sync-protocol.md): hashes as lowercase hex, the payload as base64.
extension JournalRecord: Codable {
    enum CodingKeys: String, CodingKey {
        case seq
        case wallMillis = "wall_ms"
        case monotonicNanos = "mono_ns"
        case kind
        case payload
        case previousHash = "prev_hash"
        case hash
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(Int64.self, forKey: .seq)
        wallMillis = try container.decode(Int64.self, forKey: .wallMillis)
        monotonicNanos = try container.decode(Int64.self, forKey: .monotonicNanos)
        kind = try container.decode(String.self, forKey: .kind)
        payload = try WireBytes.decodeBase64(container, .payload)
        previousHash = try WireBytes.decodeDigest(container, .previousHash)
        hash = try WireBytes.decodeDigest(container, .hash)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(wallMillis, forKey: .wallMillis)
        try container.encode(monotonicNanos, forKey: .monotonicNanos)
        try container.encode(kind, forKey: .kind)
        try container.encode(WireBytes.base64(payload), forKey: .payload)
        try container.encode(encodeHex(previousHash), forKey: .previousHash)
        try container.encode(encodeHex(hash), forKey: .hash)
    }
}
