import Foundation
import Power
public import PowerGPIO
import Yams

/// A UPS board described as data (hardware/<name>.yaml): which source reads it, its GPIO lines or
/// NUT defaults, and the power-policy defaults that suit it. The configuration names a profile
/// with `power.profile`; its own power keys override the profile's policy defaults.
public struct HardwareProfile: Sendable {
    public enum Source: Sendable {
        case gpio(GPIOSettings)
        case nut(ups: String, port: Int, pollMilliseconds: Int)
    }

    /// Policy values the board needs unless the configuration says otherwise: a HAT without a fuel
    /// gauge cannot shut down on charge, so it brings a maximum time on battery instead.
    public struct PolicyDefaults: Sendable {
        public var onBatteryAlertSeconds: Int?
        public var minChargePercent: Int?
        public var minRuntimeSeconds: Int?
        public var maxOnBatterySeconds: Int?
        public var finalDelaySeconds: Int?
    }

    public var name: String
    public var description: String
    public var wiring: String
    public var source: Source
    public var policy: PolicyDefaults

    /// Loads `<directory>/<name>.yaml`; every error names the profile file, the key and the problem.
    public static func load(named name: String, from directory: String) throws(ConfigurationError) -> HardwareProfile {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }), name.first != "-" else {
            throw ConfigurationError(key: "power.profile", line: nil, problem: "'\(name)' must be a profile name of lower-case letters, digits and '-'")
        }
        let path = (directory as NSString).appendingPathComponent("\(name).yaml")
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            let known = (try? FileManager.default.contentsOfDirectory(atPath: directory))?
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted() ?? []
            throw ConfigurationError(key: "power.profile", line: nil,
                                     problem: "'\(name)': no readable \(path) (profiles in \(directory): \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        return try parse(yaml: text, file: path, expectedName: name)
    }

    static func parse(yaml text: String, file: String, expectedName: String) throws(ConfigurationError) -> HardwareProfile {
        do throws(ConfigurationError) {
            let root: Node?
            do { root = try ConfigReader.compose(yaml: text) } catch {
                throw ConfigurationError(key: "(file)", line: nil, problem: "is not valid YAML: \(error)")
            }
            var top = try ConfigReader(node: root, path: "")
            let name = try top.string("profile")
            guard name == expectedName else {
                throw ConfigurationError(key: "profile", line: nil, problem: "says '\(name)' but the file is named for '\(expectedName)'")
            }
            let description = try top.string("description")
            let wiring = try top.string("wiring")
            let kind = try top.string("source")
            let source: Source
            var gpio = try top.section("gpio")
            var nut = try top.section("nut")
            switch kind {
            case "gpio": source = .gpio(try gpioSettings(&gpio))
            case "nut":
                source = .nut(ups: try nut.string("ups", default: "ups"), port: try nut.integer("port", default: 3493, in: 1...65_535),
                              pollMilliseconds: try nut.integer("poll_milliseconds", default: 2_000, in: 50...60_000))
            default: throw ConfigurationError(key: "source", line: nil, problem: "'\(kind)' is not one of gpio, nut")
            }
            try gpio.finish()
            try nut.finish()
            var policyReader = try top.section("policy")
            let policy = PolicyDefaults(
                onBatteryAlertSeconds: try policyReader.optionalInteger("on_battery_alert_seconds", in: 0...3_600),
                minChargePercent: try policyReader.optionalInteger("min_charge_percent", in: 0...100),
                minRuntimeSeconds: try policyReader.optionalInteger("min_runtime_seconds", in: 0...86_400),
                maxOnBatterySeconds: try policyReader.optionalInteger("max_on_battery_seconds", in: 0...86_400),
                finalDelaySeconds: try policyReader.optionalInteger("final_delay_seconds", in: 0...600))
            try policyReader.finish()
            try top.finish()
            return HardwareProfile(name: name, description: description, wiring: wiring, source: source, policy: policy)
        } catch {
            throw ConfigurationError(key: "\(file): \(error.key)", line: error.line, problem: error.problem)
        }
    }

    private static func gpioSettings(_ reader: inout ConfigReader) throws(ConfigurationError) -> GPIOSettings {
        let chip = try reader.string("chip")
        let inputs = try reader.list("inputs") { (line: inout ConfigReader) throws(ConfigurationError) -> GPIOSettings.Input in
            GPIOSettings.Input(role: try line.choice("role"), line: try lineReference(&line), activeLow: try line.boolean("active_low", default: false),
                               bias: try line.choice("bias", default: .asIs),
                               debounce: .milliseconds(try line.integer("debounce_ms", default: 20, in: 0...2_000)))
        }
        let outputs = try reader.list("outputs") { (line: inout ConfigReader) throws(ConfigurationError) -> GPIOSettings.Output in
            GPIOSettings.Output(role: try line.choice("role"), line: try lineReference(&line), activeLow: try line.boolean("active_low", default: false),
                                pulse: .milliseconds(try line.integer("pulse_ms", default: 0, in: 0...30_000)))
        }
        let settings = GPIOSettings(chip: chip, inputs: inputs, outputs: outputs)
        if let problem = settings.validate() { throw ConfigurationError(key: "gpio", line: nil, problem: problem) }
        return settings
    }

    /// `line: 6` is an offset (the BCM number on a Pi); `line: PWR_LOSS` a line name.
    private static func lineReference(_ reader: inout ConfigReader) throws(ConfigurationError) -> GPIOSettings.LineReference {
        let text = try reader.string("line")
        if let offset = Int(text) { return .offset(offset) }
        guard !text.isEmpty, text.count <= 64 else {
            throw ConfigurationError(key: "\(reader.path).line", line: nil, problem: "must be a line offset or a line name")
        }
        return .name(text)
    }
}

extension HardwareProfile.Source {
    var kind: String {
        switch self {
        case .gpio: "gpio"
        case .nut: "nut"
        }
    }
}
