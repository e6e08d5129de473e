import Power
import PowerGPIO
import Testing

@Suite("GPIO line debounce and settings, without a chip")
struct GPIOLogicTests {
    let ms: Int64 = 1_000_000

    @Test("a clean edge is reported once the level has held for the debounce time")
    func cleanEdge() {
        var debouncer = LineDebouncer(debounce: .milliseconds(20), initialLevel: false)
        #expect(debouncer.deadlineNanos == nil)
        debouncer.edge(atNanos: 100 * ms)
        #expect(debouncer.deadlineNanos == 120 * ms)
        #expect(debouncer.settle(level: true, atNanos: 110 * ms) == nil, "not before the deadline")
        #expect(debouncer.settle(level: true, atNanos: 120 * ms) == true)
        #expect(debouncer.deadlineNanos == nil && debouncer.reported && !debouncer.flapping)
    }

    @Test("a burst of bounces ending where it started reports nothing; ending elsewhere reports once")
    func bounces() {
        var debouncer = LineDebouncer(debounce: .milliseconds(20), initialLevel: true)
        for step in Int64(0)..<9 { debouncer.edge(atNanos: (100 + step) * ms) }
        #expect(debouncer.deadlineNanos == 128 * ms, "each bounce restarts the settle time")
        #expect(debouncer.settle(level: true, atNanos: 128 * ms) == nil)
        for step in Int64(0)..<9 { debouncer.edge(atNanos: (200 + step) * ms) }
        #expect(debouncer.settle(level: false, atNanos: 228 * ms) == false)
    }

    @Test("a line that never settles is reported at the flapping bound, not hidden")
    func flapping() {
        var debouncer = LineDebouncer(debounce: .milliseconds(20), initialLevel: false)
        var now: Int64 = 0
        var reported: [Bool] = []
        while now < 1_000 * ms {
            debouncer.edge(atNanos: now)
            if let deadline = debouncer.deadlineNanos, deadline <= now + 5 * ms,
               let level = debouncer.settle(level: !debouncer.reported, atNanos: deadline) {
                reported.append(level)
                #expect(debouncer.flapping)
            }
            now += 5 * ms
        }
        #expect(debouncer.flappingBoundNanos == 200 * ms)
        #expect((1...5).contains(reported.count), "about one report per 200 ms bound, got \(reported.count)")
    }

    @Test("no debounce: the level is read at the edge")
    func zeroDebounce() {
        var debouncer = LineDebouncer(debounce: .zero, initialLevel: false)
        debouncer.edge(atNanos: 7)
        #expect(debouncer.settle(level: true, atNanos: 7) == true)
    }

    @Test("settled levels make an observation: power_lost inverts, battery_low passes through")
    func observation() {
        let lost = GPIOSettings(chip: "c", inputs: [.init(role: .powerLost, line: .offset(6)), .init(role: .batteryLow, line: .offset(7))])
        #expect(lost.observation(levels: [.powerLost: true, .batteryLow: false]) == PowerObservation(acPresent: false, batteryLow: false))
        let present = GPIOSettings(chip: "c", inputs: [.init(role: .acPresent, line: .offset(6))])
        #expect(present.observation(levels: [.acPresent: true]) == PowerObservation(acPresent: true, batteryLow: nil))
    }

    @Test("settings that cannot describe a board are refused with the reason", arguments: [
        (GPIOSettings(chip: "", inputs: [.init(role: .acPresent, line: .offset(1))]), "no GPIO chip"),
        (GPIOSettings(chip: "c", inputs: [.init(role: .batteryLow, line: .offset(1))]), "ac_present or a power_lost"),
        (GPIOSettings(chip: "c", inputs: [.init(role: .acPresent, line: .offset(1)), .init(role: .powerLost, line: .offset(2))]), "use one"),
        (GPIOSettings(chip: "c", inputs: [.init(role: .acPresent, line: .offset(1))], outputs: [.init(role: .bootOK, line: .offset(1))]), "used twice"),
        (GPIOSettings(chip: "c", inputs: [.init(role: .acPresent, line: .offset(4096))]), "not a line offset"),
        (GPIOSettings(chip: "c", inputs: [.init(role: .acPresent, line: .name("AC"), debounce: .seconds(3))]), "debounce"),
        (GPIOSettings(chip: "c", inputs: [.init(role: .acPresent, line: .offset(1))], outputs: [.init(role: .shutdownRequest, line: .offset(2))]), "pulse"),
    ])
    func invalidSettings(settings: GPIOSettings, problem: String) {
        #expect(settings.validate()?.contains(problem) == true, "\(settings.validate() ?? "accepted")")
    }
}
