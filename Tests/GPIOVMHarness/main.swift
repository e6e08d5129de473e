import Foundation
import Logging
import NIOConcurrencyHelpers
import Power
import PowerGPIO

// Runs inside the gpio-sim VM (scripts/gpio-vm/run): makes a simulated chip, drives its lines as a
// UPS HAT would, and records what Holdfast's real GPIO source reports. The host test asserts on
// the report; `GPIOVMHarness bench N` measures N undebounced edges for docs/BENCHMARKS.md.

let lineNames = ["AC_OK", "LOW_BAT", "BOOT_OK", "SHUTDOWN", "SPARE_IN"]
let (acLine, lowLine, bootLine, shutdownLine) = (0, 1, 2, 3)
let debounce = Duration.milliseconds(20)
let arguments = CommandLine.arguments.dropFirst()
let benchEdges = arguments.first == "bench" ? Int(arguments.dropFirst().first ?? "") ?? 500 : 200

LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
let logger = Logger(label: "holdfast.gpio-vm")

/// Drives the AC line `edges` times and returns the events and the write-to-event latencies.
func edgeRun(_ chip: SimulatedChip, _ recorder: EventRecorder, edges: Int, gap: Duration) async throws -> Report.EdgeRun {
    let start = recorder.count
    var latencies: [Int] = []
    for index in 0..<edges {
        let seen = recorder.count
        let written = monotonicNanos()
        try chip.drive(acLine, high: index % 2 == 1)
        let arrival = try await recorder.next(after: seen)
        latencies.append(Int((arrival.nanos - written) / 1_000))
        try await Task.sleep(for: gap)
    }
    return Report.EdgeRun(edges: edges, events: recorder.events(from: start).map { Report.Event($0.event) }, latenciesMicros: latencies)
}

/// Toggles the AC line `toggles` times as fast as the VM allows, from mains present to mains lost,
/// and reports what the source made of it.
func bounceBurst(_ chip: SimulatedChip, _ recorder: EventRecorder, toggles: Int, tries: Int) async throws -> Report.Bounce {
    let beforeBounce = recorder.count
    var lastToggle: Int64 = 0
    var longestGap: Int64 = 0
    let firstToggle = monotonicNanos()
    for index in 0..<toggles {
        let previousToggle = lastToggle
        // Stamped before the write: the edge cannot be earlier, so "settled at least the
        // debounce after the last edge" holds however the VM schedules this thread.
        lastToggle = monotonicNanos()
        try chip.drive(acLine, high: index % 2 == 1)
        // From the stamp before the previous write to the end of this one: no shorter than the
        // time between the two edges, wherever within its write each edge fell.
        if index > 0 { longestGap = max(longestGap, monotonicNanos() - previousToggle) }
    }
    let settled = try await recorder.next(after: beforeBounce)
    // Time for a second report, which a burst must never give.
    try await Task.sleep(for: .milliseconds(300))
    return Report.Bounce(toggles: toggles, debounceMicros: Int(debounce / .microseconds(1)),
                         events: recorder.events(from: beforeBounce).map { Report.Event($0.event) },
                         microsFromLastToggle: Int((settled.nanos - lastToggle) / 1_000),
                         microsFromFirstToggle: Int((settled.nanos - firstToggle) / 1_000),
                         longestGapMicros: Int(longestGap / 1_000), tries: tries)
}

func percentile(_ values: [Int], _ fraction: Double) -> Int {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

func debouncedScenarios(_ chip: SimulatedChip) async throws -> Report {
    // Every simulated line starts pulled down: mains absent on the AC-OK line, and the active-low
    // low-battery line active: "a line held low at start".
    let settings = GPIOSettings(
        chip: chip.label,
        inputs: [GPIOSettings.Input(role: .acPresent, line: .name("AC_OK"), debounce: debounce),
                 GPIOSettings.Input(role: .batteryLow, line: .offset(lowLine), activeLow: true, debounce: debounce)],
        outputs: [GPIOSettings.Output(role: .bootOK, line: .offset(bootLine)),
                  GPIOSettings.Output(role: .shutdownRequest, line: .name("SHUTDOWN"), pulse: .milliseconds(300))])
    let source = GPIOPowerSource(settings: settings, consumer: "gpio-vm-harness", logger: logger)
    let recorder = EventRecorder(source)
    let initial = Report.Event(try await recorder.next(after: 0).event)
    let bootOK = try chip.outputLevel(bootLine)

    try chip.drive(lowLine, high: true)
    let lowCleared = Report.Event(try await recorder.next(after: 1).event)
    try chip.drive(acLine, high: true)
    let mainsBack = Report.Event(try await recorder.next(after: 2).event)

    // Clean edges: mains lost, back, lost, ... ending with mains present.
    let clean = try await edgeRun(chip, recorder, edges: 20, gap: .milliseconds(60))

    // A burst of bounces shorter than the debounce, ending with mains lost. It is a burst only if
    // each toggle came within the debounce of the one before: a host that stops the VM (its one
    // vCPU) for longer mid-burst, as CPU hogs beside it can, makes it two changes, rightly
    // reported as such. Such a try is made again from mains present, a bounded number of times,
    // and the report says how the last one went.
    let bounceTries = 5
    var bounce = try await bounceBurst(chip, recorder, toggles: 15, tries: 1)
    while bounce.longestGapMicros >= bounce.debounceMicros, bounce.tries < bounceTries {
        try chip.drive(acLine, high: true)
        try await recorder.waitUntilQuietOnMains()
        bounce = try await bounceBurst(chip, recorder, toggles: 15, tries: bounce.tries + 1)
    }

    // The power-off pulse on the shutdown-request line, seen from the HAT's side: watched until
    // it shows or the pulse is over, rather than read once after a fixed sleep, so it is seen
    // however late within its 300 ms the VM runs this task.
    let pulseOver = NIOLockedValueBox(false)
    let pulseTask = Task {
        let requested = await source.requestPowerOff()
        pulseOver.withLockedValue { $0 = true }
        return requested
    }
    var during = try chip.outputLevel(shutdownLine)
    while during != 1, !pulseOver.withLockedValue({ $0 }) {
        try await Task.sleep(for: .milliseconds(1))
        during = try chip.outputLevel(shutdownLine)
    }
    let requested = await pulseTask.value
    let pulse = Report.Pulse(requested: requested, levelDuring: during, levelAfter: try chip.outputLevel(shutdownLine))

    // boot-OK is let go by the source's thread once the stream ends: waited for, not slept on (a
    // hang guard of 60 s; it takes milliseconds). A line that stays up is reported as it stands.
    await recorder.stop()
    var bootOKAfterStop = try chip.outputLevel(bootLine)
    let bootOKDeadline = ContinuousClock.now + .seconds(60)
    while bootOKAfterStop != 0, ContinuousClock.now < bootOKDeadline {
        try await Task.sleep(for: .milliseconds(10))
        bootOKAfterStop = try chip.outputLevel(bootLine)
    }

    try chip.drive(acLine, high: true)
    let undebounced = try await undebouncedRun(chip, edges: 40)
    return Report(initial: initial, bootOKWhileRunning: bootOK, lowBatteryCleared: lowCleared, mainsBack: mainsBack,
                  cleanEdges: clean, bounce: bounce, pulse: pulse, bootOKAfterStop: bootOKAfterStop, undebounced: undebounced,
                  busyOutputFirstEvent: try await busyOutput(chip), sameLineTwice: try await sameLineTwice(chip))
}

/// A vendor script (here, another source) holds boot-OK: the second source still watches power.
func busyOutput(_ chip: SimulatedChip) async throws -> Report.Event {
    let holder = EventRecorder(GPIOPowerSource(
        settings: GPIOSettings(chip: chip.label, inputs: [GPIOSettings.Input(role: .acPresent, line: .offset(acLine))],
                               outputs: [GPIOSettings.Output(role: .bootOK, line: .offset(bootLine))]),
        consumer: "vendor-script", logger: logger))
    _ = try await holder.next(after: 0)
    let second = EventRecorder(GPIOPowerSource(
        settings: GPIOSettings(chip: chip.label, inputs: [GPIOSettings.Input(role: .acPresent, line: .name("SPARE_IN"))],
                               outputs: [GPIOSettings.Output(role: .bootOK, line: .offset(bootLine))]),
        consumer: "gpio-vm-harness", logger: logger))
    let first = Report.Event(try await second.next(after: 0).event)
    await second.stop()
    await holder.stop()
    return first
}

/// The same line named twice is refused, not left failing with "busy".
func sameLineTwice(_ chip: SimulatedChip) async throws -> Report.Event {
    let recorder = EventRecorder(GPIOPowerSource(
        settings: GPIOSettings(chip: chip.label, inputs: [GPIOSettings.Input(role: .acPresent, line: .name("AC_OK")),
                                                          GPIOSettings.Input(role: .batteryLow, line: .offset(acLine))]),
        consumer: "gpio-vm-harness", logger: logger))
    let first = Report.Event(try await recorder.next(after: 0).event)
    await recorder.stop()
    return first
}

/// Edge to observation with no debounce: the latency of the kernel, libgpiod and the source.
func undebouncedRun(_ chip: SimulatedChip, edges: Int) async throws -> Report.EdgeRun {
    let settings = GPIOSettings(chip: chip.label, inputs: [GPIOSettings.Input(role: .acPresent, line: .offset(acLine), debounce: .zero)])
    let recorder = EventRecorder(GPIOPowerSource(settings: settings, consumer: "gpio-vm-bench", logger: logger))
    _ = try await recorder.next(after: 0)
    let run = try await edgeRun(chip, recorder, edges: edges, gap: .milliseconds(5))
    await recorder.stop()
    return run
}

do {
    let chip = try SimulatedChip.make(lineNames: lineNames)
    if arguments.first == "bench" {
        try chip.drive(acLine, high: true)
        let run = try await undebouncedRun(chip, edges: benchEdges)
        print("gpio edge to observation, \(run.edges) edges, no debounce (qemu TCG guest):")
        print("gpio_edge_to_observation_p50_us=\(percentile(run.latenciesMicros, 0.5))")
        print("gpio_edge_to_observation_p99_us=\(percentile(run.latenciesMicros, 0.99))")
        print("gpio_edge_to_observation_max_us=\(run.latenciesMicros.max() ?? 0)")
    } else {
        let report = try await debouncedScenarios(chip)
        let json = try JSONEncoder().encode(report)
        print("GPIO-VM-REPORT \(String(decoding: json, as: UTF8.self))")
    }
} catch {
    print("GPIO-VM-FAILED \(error)")
    exit(1)
}
