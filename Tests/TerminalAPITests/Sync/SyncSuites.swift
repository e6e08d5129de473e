import Testing

/// Sync tests start PostgreSQL clusters, central and daemons; one at a time keeps them inside the
/// CI machine's two cores and their timings meaningful.
@Suite("Sync with central", .serialized)
struct SyncSuites {}
