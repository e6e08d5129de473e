import Foundation

/// Which of central's endpoints to use: the highest-priority one that works. A failure moves to
/// the next (wrapping round); while on a lower-priority endpoint, the preferred ones are
/// health-checked every failback interval and the first healthy one is taken back.
struct EndpointSelector: Sendable {
    let endpoints: [URL]
    private(set) var current = 0
    private var lastFailbackCheckMillis: Int64

    init(endpoints: [URL], nowMillis: Int64) {
        precondition(!endpoints.isEmpty, "the uplink needs at least one endpoint")
        self.endpoints = endpoints
        lastFailbackCheckMillis = nowMillis
    }

    var url: URL { endpoints[current] }

    mutating func failOver() {
        current = (current + 1) % endpoints.count
    }

    /// The preferred endpoints to health-check now, best first, or none when it is not yet time
    /// (or the best one is in use).
    mutating func failbackCandidates(nowMillis: Int64, intervalMillis: Int64) -> [Int] {
        guard current > 0, nowMillis - lastFailbackCheckMillis >= intervalMillis else { return [] }
        lastFailbackCheckMillis = nowMillis
        return Array(0..<current)
    }

    mutating func use(_ index: Int) {
        precondition(endpoints.indices.contains(index), "no endpoint \(index)")
        current = index
    }
}
