import Foundation
import Testing
import TestSupport

/// Holdfast's real GPIO source (libgpiod v1, edge events) inside a qemu VM whose kernel has the
/// gpio-sim module: the harness drives simulated lines as a UPS HAT would and reports what the
/// source saw (Tests/GPIOVMHarness, scripts/gpio-vm). A VM that cannot start fails the test with
/// the script's message; it is never skipped. The time limit is a hang guard, above the VM's own
/// limit (below), which ends a hung VM first with its console's last lines.
@Suite("GPIO source against the kernel's gpio-sim in a VM", .timeLimit(.minutes(10)))
struct GPIOVMTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    struct Event: Decodable, Equatable {
        var ac: Bool?
        var low: Bool?
        var stale: String?
    }

    struct EdgeRun: Decodable {
        var edges: Int
        var events: [Event]
        var latenciesMicros: [Int]
    }

    struct Report: Decodable {
        var initial: Event
        var bootOKWhileRunning: Int
        var lowBatteryCleared: Event
        var mainsBack: Event
        var cleanEdges: EdgeRun
        var bounce: Bounce
        var pulse: Pulse
        var bootOKAfterStop: Int
        var undebounced: EdgeRun
        var busyOutputFirstEvent: Event
        var sameLineTwice: Event

        struct Bounce: Decodable {
            var toggles: Int
            var debounceMicros: Int
            var events: [Event]
            var microsFromLastToggle: Int
            var microsFromFirstToggle: Int
            var longestGapMicros: Int
            var tries: Int
        }

        struct Pulse: Decodable {
            var requested: Bool
            var levelDuring: Int
            var levelAfter: Int
        }
    }

    @Test("initial levels, clean edges, a bounce burst, active-low, lines by name and number, boot-OK and the shutdown pulse")
    func harnessInVM() async throws {
        // 480 s, boot included, twice the script's default: qemu's TCG emulates the VM on a core
        // it shares with the rest of the suite (and CPU hogs, in a flake hunt), and the limit only
        // has to end a VM that hangs, within the suite's 10-minute limit.
        let vm = try LineReadingChild(executable: Self.repository + "/scripts/gpio-vm/run",
                                      arguments: ["--timeout", "480", try BuiltProducts.path(of: "GPIOVMHarness")])
        var reportLine: String?
        var seen: [String] = []
        while let line = await vm.nextLine() {
            seen.append(line)
            if line.hasPrefix("GPIO-VM-REPORT ") { reportLine = String(line.dropFirst("GPIO-VM-REPORT ".count)) }
        }
        let status = await vm.exitStatus()
        let tail = seen.suffix(20).joined(separator: "\n")
        guard status == 0, let reportLine else {
            Issue.record("the GPIO VM run failed (status \(status)); its last output:\n\(tail)")
            return
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(reportLine.utf8))
        let (lost, present) = (Event(ac: false, low: false), Event(ac: true, low: false))

        // Every sim line starts pulled down: AC-OK low (mains absent) and the active-low
        // battery-low line active, read at start rather than waiting for an edge.
        #expect(report.initial == Event(ac: false, low: true))
        #expect(report.bootOKWhileRunning == 1, "boot-OK is driven active while the source runs")
        #expect(report.lowBatteryCleared == lost)
        #expect(report.mainsBack == present)

        #expect(report.cleanEdges.events == (0..<20).map { $0 % 2 == 0 ? lost : present }, "one observation per clean edge")
        // Never before the debounce, whatever the load. The upper bound only catches an edge left
        // unreported: each edge is waited for before the next, so none queues behind it, and 10 s
        // is far beyond the tens of milliseconds an edge takes under TCG on a busy host.
        for latency in report.cleanEdges.latenciesMicros {
            #expect((20_000..<10_000_000).contains(latency), "a clean edge is reported once it has held for the 20 ms debounce: \(latency) µs")
        }

        // A burst only when every toggle came within the debounce of the one before; the harness
        // tries again when the host stopped the VM longer mid-burst, and a run that never managed
        // one leaves the check not run rather than failing on the host's scheduling.
        if report.bounce.longestGapMicros < report.bounce.debounceMicros {
            #expect(report.bounce.events == [lost], "a burst of \(report.bounce.toggles) bounces reads as one change")
            // Settled means held still for the debounce, unless the burst (slow under qemu TCG)
            // outlasted the 200 ms flapping bound, which reports the level at that bound instead.
            let flappingBoundMicros = 200_000
            #expect(report.bounce.microsFromLastToggle >= report.bounce.debounceMicros
                        || report.bounce.microsFromFirstToggle >= flappingBoundMicros,
                    "the burst was reported \(report.bounce.microsFromLastToggle) µs after its last toggle and \(report.bounce.microsFromFirstToggle) µs after its first")
        } else {
            let notRun = "the bounce check did not run: in \(report.bounce.tries) tries the host never let the VM toggle the line "
                + "within the debounce (the last try's longest gap: \(report.bounce.longestGapMicros) µs)"
            withKnownIssue(Comment(rawValue: notRun)) {
                Issue.record("no burst shorter than the debounce could be made")
            }
        }

        #expect(report.pulse.requested && report.pulse.levelDuring == 1 && report.pulse.levelAfter == 0,
                "the shutdown request is a pulse: \(report.pulse)")
        #expect(report.bootOKAfterStop == 0, "boot-OK drops when the source lets its lines go")

        #expect(report.busyOutputFirstEvent == Event(ac: false, low: nil),
                "a busy boot-OK line does not stop the power-loss input being watched")
        #expect(report.sameLineTwice.stale?.contains("are the same line") == true, "\(report.sameLineTwice)")

        // Every undebounced edge is reported, and sooner than a debounced one. The latency is
        // compared with the debounced edges of the same VM rather than with a fixed bound: a
        // loaded host slows qemu's emulation of both alike, while the debounce keeps 20 ms between
        // them (medians about 0.6 ms and 22 ms on a quiet host). The quickest edge of each run is
        // compared, not the medians: the two runs are seconds apart, and a spell of host load
        // during one of them delays many of its edges, but not the one that was not delayed. No
        // debounced edge is ever quicker than the debounce, so an undebounced path that waited
        // for one still fails whenever a debounced edge came within 10 ms of its debounce.
        #expect(report.undebounced.events.count == report.undebounced.edges)
        let undebounced = quickest(report.undebounced.latenciesMicros), debounced = quickest(report.cleanEdges.latenciesMicros)
        #expect(undebounced + 10_000 < debounced,
                "without debounce an edge arrives sooner than with it: quickest \(undebounced) µs and \(debounced) µs")
    }

    private func quickest(_ values: [Int]) -> Int {
        precondition(!values.isEmpty, "the harness reports a latency per edge")
        return values.min()!
    }
}
