import Foundation

/// A power source driven by a small text file, for the demo, drills and tests: write the file and
/// the appliance sees a power cut. One `key=value` per line:
///
///     ac=lost          # present | lost
///     low=no           # yes | no (the UPS's low-battery flag)
///     charge=64        # percent
///     runtime=900      # seconds
///     fsd=no           # yes | no (forced shutdown)
///     stale=upsd gone  # the source cannot be read (overrides the rest)
///
/// A missing file reads as mains present. A file that cannot be parsed reports the source as
/// stale, naming the line, so a typo in a drill is seen rather than guessed at.
public struct SimulatedPowerSource: PowerSource {
    public var kind: String { "simulated" }
    public let path: String
    public let pollInterval: Duration

    public init(path: String, pollInterval: Duration = .milliseconds(100)) {
        self.path = path
        self.pollInterval = pollInterval
    }

    /// Every change of the file's meaning, starting with its current one; ends when cancelled.
    public func events() -> AsyncStream<PowerSourceEvent> {
        let (stream, continuation) = AsyncStream<PowerSourceEvent>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let task = Task {
            var last: PowerSourceEvent?
            while !Task.isCancelled {
                let current = read()
                if current != last {
                    continuation.yield(current)
                    last = current
                }
                try? await Task.sleep(for: pollInterval)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    public func read() -> PowerSourceEvent {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .observed(PowerObservation(acPresent: true))
        }
        return Self.parse(String(decoding: data, as: UTF8.self))
    }

    static func parse(_ text: String) -> PowerSourceEvent {
        var observation = PowerObservation(acPresent: true)
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { return .stale(reason: "simulated power file line \(index + 1): expected key=value, got '\(line)'") }
            let (key, value) = (parts[0], parts[1])
            switch (key, value) {
            case ("ac", "present"): observation.acPresent = true
            case ("ac", "lost"): observation.acPresent = false
            case ("low", "yes"): observation.batteryLow = true
            case ("low", "no"): observation.batteryLow = false
            case ("fsd", "yes"): observation.forcedShutdown = true
            case ("fsd", "no"): observation.forcedShutdown = false
            case ("charge", _) where Int(value).map({ (0...100).contains($0) }) == true: observation.chargePercent = Int(value)
            case ("runtime", _) where Int(value).map({ $0 >= 0 }) == true: observation.runtimeSeconds = Int(value)
            case ("stale", _): return .stale(reason: value.isEmpty ? "simulated" : value)
            default:
                return .stale(reason: "simulated power file line \(index + 1): '\(key)=\(value)' is not understood")
            }
        }
        return .observed(observation)
    }
}
