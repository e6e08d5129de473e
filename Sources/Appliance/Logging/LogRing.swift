import Foundation
public import Logging
import NIOConcurrencyHelpers

/// The last log lines in memory, for the console's `log tail` when nobody can reach the
/// system journal. Bounded: the oldest line goes when a new one comes.
public final class LogRing: Sendable {
    public let capacity: Int
    private let lines = NIOLockedValueBox<[String]>([])

    public init(capacity: Int = 500) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public func append(_ line: String) {
        lines.withLockedValue {
            if $0.count >= capacity { $0.removeFirst($0.count - capacity + 1) }
            $0.append(line)
        }
    }

    /// The last `count` lines, oldest first.
    public func tail(_ count: Int) -> [String] {
        lines.withLockedValue { Array($0.suffix(max(0, count))) }
    }

    /// A log handler that keeps each line in this ring and also writes it to `stream` (holdfastd's
    /// standard error). One handler, not a `MultiplexLogHandler` of two: Hummingbird sets a request
    /// id in each request's logger, and a multiplex handler copies its array of handlers and each
    /// handler's metadata on every such set, which was 2.3 % of all CPU samples under `holdfast
    /// bench api`'s trivial requests (docs/BENCHMARKS.md).
    public func handler(label: String, level: Logger.Level, copyingTo stream: StreamLogHandler) -> some LogHandler {
        RingLogHandler(ring: self, label: label, stream: stream, logLevel: level)
    }
}

private struct RingLogHandler: LogHandler {
    let ring: LogRing
    let label: String
    /// Its own metadata stays empty: ours goes with each event.
    let stream: StreamLogHandler
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        var forwarded = event
        forwarded.metadata = merged
        stream.log(event: forwarded)
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = Date().formatted(.iso8601.time(includingFractionalSeconds: false))
        ring.append("\(time) \(event.level) \(event.message)\(fields.isEmpty ? "" : " " + fields)")
    }
}
