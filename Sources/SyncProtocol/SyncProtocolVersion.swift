/// The sync protocol's version and its HTTP paths (docs/sync-protocol.md). Both sides refuse a
/// version they do not speak, so an appliance and a central of different releases fail loudly
/// rather than misread each other.
public enum SyncProtocolVersion {
    public static let current = 1
    /// The request header carrying the version; central answers it in the same header.
    public static let header = "Holdfast-Sync-Version"
}

public enum SyncPath {
    /// GET: central's liveness, for endpoint health checks. No appliance identity needed.
    public static let health = "/v1/health"
    /// GET: the appliance's high-water mark. POST: a batch of records.
    public static let records = "/v1/records"
}

extension SyncPath {
    /// GET ?after=<cursor>&wait=<seconds>: the feed for the certificate's appliance.
    public static let feed = "/v1/feed"
}

extension SyncPath {
    /// GET ?after=<seq>&limit=<n>: the records central holds for the certificate's appliance, for
    /// restoring a replacement appliance from central's copy (docs/disaster-recovery.md).
    public static let history = "/v1/records/history"
}
