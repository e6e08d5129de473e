/// What the harness saw inside the VM, printed as one `GPIO-VM-REPORT <json>` line for the host
/// test (Tests/PowerTests/GPIOVMTests.swift) to decode and assert on.
struct Report: Codable {
    struct Event: Codable, Equatable {
        var ac: Bool?
        var low: Bool?
        var stale: String?
    }

    struct EdgeRun: Codable {
        var edges: Int
        var events: [Event]
        var latenciesMicros: [Int]
    }

    struct Bounce: Codable {
        var toggles: Int
        var debounceMicros: Int
        var events: [Event]
        var microsFromLastToggle: Int
        /// From the first toggle to the report: a burst that outlasts the flapping bound is
        /// reported at that bound, before it has held still for the debounce.
        var microsFromFirstToggle: Int
        /// The longest time two successive toggles can have been apart (from the stamp before the
        /// one write to the end of the next): a burst only when shorter than the debounce.
        var longestGapMicros: Int
        /// Bursts made: another is made when the host stopped the VM mid-burst.
        var tries: Int
    }

    struct Pulse: Codable {
        var requested: Bool
        var levelDuring: Int
        var levelAfter: Int
    }

    var initial: Event
    var bootOKWhileRunning: Int
    var lowBatteryCleared: Event
    var mainsBack: Event
    var cleanEdges: EdgeRun
    var bounce: Bounce
    var pulse: Pulse
    var bootOKAfterStop: Int
    var undebounced: EdgeRun
    /// A second source whose boot-OK line is busy still reports its input.
    var busyOutputFirstEvent: Event
    /// One line named twice (by name and by offset) is refused, naming both.
    var sameLineTwice: Event
}
