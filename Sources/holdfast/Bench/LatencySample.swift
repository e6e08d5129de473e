/// Latencies collected during a benchmark run, in nanoseconds.
struct LatencySample {
    private(set) var nanoseconds: [Int64] = []

    mutating func record(_ duration: Duration) {
        nanoseconds.append(Int64(duration / .nanoseconds(1)))
    }

    mutating func merge(_ other: LatencySample) {
        nanoseconds.append(contentsOf: other.nanoseconds)
    }

    var count: Int { nanoseconds.count }

    /// The `fraction` quantile in milliseconds (nearest rank).
    func quantileMillis(_ fraction: Double) -> Double {
        guard !nanoseconds.isEmpty else { return 0 }
        let sorted = nanoseconds.sorted()
        let rank = min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))
        return Double(sorted[rank]) / 1_000_000
    }
}

/// Throughput and latency of one measured run.
struct RunFigures {
    var operations: Int
    var elapsed: Duration
    var latency: LatencySample

    var perSecond: Double {
        let seconds = elapsed / .seconds(1)
        return seconds > 0 ? Double(operations) / seconds : 0
    }

    var summary: String {
        "\(formatRate(perSecond))/s (p50 \(formatTwoDecimals(latency.quantileMillis(0.5))) ms, p99 \(formatTwoDecimals(latency.quantileMillis(0.99))) ms)"
    }

    var summaryWithTail: String {
        "\(formatRate(perSecond))/s (p50 \(formatTwoDecimals(latency.quantileMillis(0.5))) ms, p99 \(formatTwoDecimals(latency.quantileMillis(0.99))) ms, "
            + "p99.9 \(formatTwoDecimals(latency.quantileMillis(0.999))) ms)"
    }
}

func formatRate(_ value: Double) -> String {
    let whole = Int(value.rounded())
    var digits = String(whole)
    var grouped = ""
    while digits.count > 3 {
        grouped = "," + digits.suffix(3) + grouped
        digits.removeLast(3)
    }
    return digits + grouped
}

/// Two decimal places, for milliseconds, MiB and ratios alike.
func formatTwoDecimals(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}
