import Appliance
import Foundation
import Power
import PowerGPIO
import Testing

@Suite("Hardware profiles load by name and are validated")
struct HardwareProfileTests {
    static let hardware = ConfigurationTests.repository + "/hardware"

    @Test("every shipped profile loads, names itself and carries a wiring note",
          arguments: ["x728", "x1200", "generic-acok-lowbat", "nut-usb"])
    func shippedProfiles(name: String) throws {
        let profile = try HardwareProfile.load(named: name, from: Self.hardware)
        #expect(profile.name == name)
        #expect(!profile.wiring.isEmpty && !profile.description.isEmpty)
        if case .gpio(let settings) = profile.source {
            #expect(settings.validate() == nil)
        }
    }

    @Test("the X728 profile: power loss on GPIO6, boot-OK on 12, a 4 s shutdown pulse on 26")
    func x728() throws {
        guard case .gpio(let settings) = try HardwareProfile.load(named: "x728", from: Self.hardware).source else {
            Issue.record("x728 is a GPIO board")
            return
        }
        #expect(settings.inputs.map(\.role) == [.powerLost] && settings.inputs[0].line == .offset(6))
        #expect(settings.outputs.map(\.role) == [.bootOK, .shutdownRequest])
        #expect(settings.outputs[1].line == .offset(26) && settings.outputs[1].pulse == .seconds(4))
    }

    @Test("a configuration naming a profile takes its source and policy; its own keys win")
    func configurationWithProfile() throws {
        let yaml = ConfigurationTests.valid.replacingOccurrences(
            of: "power: { source: simulated }",
            with: "power: { profile: x1200, profiles_dir: \(Self.hardware), gpio_chip: gpiochip4, final_delay_seconds: 3 }")
        let configuration = try ApplianceConfiguration.parse(yaml: yaml, relativeTo: "/tmp")
        #expect(configuration.power.source == .gpio)
        #expect(configuration.power.gpio?.chip == "gpiochip4")
        #expect(configuration.power.policy.maximumOnBatteryMillis == 600_000)
        #expect(configuration.power.policy.finalDelayMillis == 3_000)
        #expect(configuration.powerSource(logger: .init(label: "test")).kind == "gpio")
    }

    /// (power section) -> the key the error must name, and a word of its problem.
    static let refusedSections: [(String, String, String)] = [
        ("{ profile: x9999, profiles_dir: \(hardware) }", "power.profile", "x728"),
        ("{ profile: ../etc/passwd, profiles_dir: \(hardware) }", "power.profile", "lower-case"),
        ("{ profile: nut-usb, source: gpio, profiles_dir: \(hardware) }", "power.source", "drop one"),
        ("{ source: gpio }", "power.source", "power.profile"),
        ("{ source: simulated, gpio_chip: gpiochip0 }", "power.gpio_chip", "GPIO hardware profile"),
        ("{ profile: x728, profiles_dir: \(hardware), max_on_battery_seconds: 0 }", "power.max_on_battery_seconds", "battery-low line"),
    ]

    @Test("a wrong profile reference is refused with the key and the reason", arguments: 0..<refusedSections.count)
    func refusedProfileReference(index: Int) {
        let (section, key, problem) = Self.refusedSections[index]
        let yaml = ConfigurationTests.valid.replacingOccurrences(of: "power: { source: simulated }", with: "power: \(section)")
        do {
            _ = try ApplianceConfiguration.parse(yaml: yaml, relativeTo: "/tmp")
            Issue.record("case \(index) was accepted")
        } catch {
            #expect(error.key == key, "\(error)")
            #expect(error.description.contains(problem), "\(error)")
        }
    }

    /// (replace this in the X728 profile, with that) -> a word the error must carry.
    static let brokenProfiles: [(String, String, String)] = [
        ("profile: x728", "profile: x729", "named for 'x728'"),
        ("role: power_lost", "role: power_gone", "ac_present, power_lost, battery_low"),
        ("line: 12", "line: 6", "line 6 is used twice"),
        ("pulse_ms: 4000", "pulse_ms: 0", "shutdown_request needs a pulse"),
        ("debounce_ms: 50", "debounce_ms: 5000", "debounce_ms"),
        ("source: gpio", "source: i2c", "gpio, nut"),
        ("chip: pinctrl-bcm2711", "chip: pinctrl-bcm2711\n  pins: 40", "gpio.pins"),
    ]

    @Test("a broken profile file is refused, naming the file, the key and the problem", arguments: 0..<brokenProfiles.count)
    func brokenProfile(index: Int) throws {
        let (from, to, problem) = Self.brokenProfiles[index]
        let original = try String(contentsOfFile: Self.hardware + "/x728.yaml", encoding: .utf8)
        let broken = original.replacingOccurrences(of: from, with: to)
        #expect(broken != original, "case \(index) did not change the profile")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try broken.write(toFile: directory + "/x728.yaml", atomically: true, encoding: .utf8)
        do {
            _ = try HardwareProfile.load(named: "x728", from: directory)
            Issue.record("case \(index) was accepted")
        } catch {
            #expect(error.key.hasPrefix(directory + "/x728.yaml: "), "\(error)")
            #expect(error.description.contains(problem), "\(error)")
        }
    }
}
