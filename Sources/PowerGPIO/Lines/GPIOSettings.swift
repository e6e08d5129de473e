public import Power

/// Which GPIO lines a UPS HAT uses and what they mean: what a hardware profile (hardware/*.yaml)
/// turns into. Pure data, validated by ``validate()`` before any line is touched.
public struct GPIOSettings: Sendable, Hashable {
    /// The chip by name (`gpiochip0`), path (`/dev/gpiochip4`), label (`pinctrl-rp1`) or number,
    /// as libgpiod's `gpiod_chip_open_lookup` accepts it.
    public var chip: String
    public var inputs: [Input]
    public var outputs: [Output]

    /// A line by its offset on the chip (the BCM GPIO number on a Pi) or its name.
    public enum LineReference: Sendable, Hashable, CustomStringConvertible {
        case offset(Int)
        case name(String)

        public var description: String {
            switch self {
            case .offset(let offset): "line \(offset)"
            case .name(let name): "line '\(name)'"
            }
        }
    }

    public enum Bias: String, Sendable, Hashable, CaseIterable {
        case asIs = "as_is", pullUp = "pull_up", pullDown = "pull_down", disabled
    }

    public struct Input: Sendable, Hashable {
        public enum Role: String, Sendable, Hashable, CaseIterable {
            /// Active while mains is present (X1200's GPIO6, an AC-OK output).
            case acPresent = "ac_present"
            /// Active while mains is lost (X728's power-loss detect, GPIO6).
            case powerLost = "power_lost"
            /// Active while the battery is low.
            case batteryLow = "battery_low"
        }

        public var role: Role
        public var line: LineReference
        /// The line reads low when its role is active.
        public var activeLow: Bool
        public var bias: Bias
        /// A level counts once it has held this long; bounces shorter than this are not seen.
        public var debounce: Duration

        public init(role: Role, line: LineReference, activeLow: Bool = false, bias: Bias = .asIs, debounce: Duration = .milliseconds(20)) {
            self.role = role
            self.line = line
            self.activeLow = activeLow
            self.bias = bias
            self.debounce = debounce
        }
    }

    public struct Output: Sendable, Hashable {
        public enum Role: String, Sendable, Hashable, CaseIterable {
            /// Held active while the daemon runs, so the HAT's controller knows the computer is up
            /// (X728's boot-OK, GPIO12); released when the process ends.
            case bootOK = "boot_ok"
            /// Pulsed once just before the shutdown command, telling the HAT to cut power after
            /// the computer halts (X728's GPIO26).
            case shutdownRequest = "shutdown_request"
        }

        public var role: Role
        public var line: LineReference
        public var activeLow: Bool
        /// For `shutdownRequest`: how long the line is held active.
        public var pulse: Duration

        public init(role: Role, line: LineReference, activeLow: Bool = false, pulse: Duration = .zero) {
            self.role = role
            self.line = line
            self.activeLow = activeLow
            self.pulse = pulse
        }
    }

    public init(chip: String, inputs: [Input], outputs: [Output] = []) {
        self.chip = chip
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The longest debounce or pulse accepted: anything longer is a typo, not a HAT.
    public static let longestDebounce = Duration.seconds(2)
    public static let longestPulse = Duration.seconds(30)

    /// The first thing wrong with these settings, named; nil when they can be used.
    public func validate() -> String? {
        if chip.isEmpty { return "no GPIO chip named" }
        if inputs.isEmpty { return "no input lines: at least one of ac_present or power_lost is needed" }
        let roles = inputs.map(\.role)
        if !roles.contains(.acPresent) && !roles.contains(.powerLost) {
            return "an ac_present or a power_lost input is needed to know whether mains is present"
        }
        if roles.contains(.acPresent) && roles.contains(.powerLost) {
            return "ac_present and power_lost both describe mains: use one"
        }
        for role in Set(roles) where roles.filter({ $0 == role }).count > 1 {
            return "input role \(role.rawValue) appears twice"
        }
        for role in Set(outputs.map(\.role)) where outputs.filter({ $0.role == role }).count > 1 {
            return "output role \(role.rawValue) appears twice"
        }
        let lines = inputs.map(\.line) + outputs.map(\.line)
        for line in Set(lines) where lines.filter({ $0 == line }).count > 1 {
            return "\(line) is used twice"
        }
        for input in inputs {
            if case .offset(let offset) = input.line, !(0...1_023).contains(offset) { return "\(input.line) is not a line offset (0-1023)" }
            if input.debounce < .zero || input.debounce > Self.longestDebounce {
                return "debounce of \(input.role.rawValue) must be 0-\(Self.longestDebounce)"
            }
        }
        for output in outputs {
            if case .offset(let offset) = output.line, !(0...1_023).contains(offset) { return "\(output.line) is not a line offset (0-1023)" }
            if output.role == .shutdownRequest && (output.pulse <= .zero || output.pulse > Self.longestPulse) {
                return "shutdown_request needs a pulse of 1 ms to \(Self.longestPulse)"
            }
        }
        return nil
    }
}

extension GPIOSettings {
    /// What the settled logical levels of the inputs (true: role active) say about power.
    public func observation(levels: [Input.Role: Bool]) -> PowerObservation {
        var acPresent: Bool?
        if let present = levels[.acPresent] { acPresent = present }
        if let lost = levels[.powerLost] { acPresent = !lost }
        return PowerObservation(acPresent: acPresent, batteryLow: levels[.batteryLow])
    }
}
