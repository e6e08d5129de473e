import Power
import PowerGPIO

extension ApplianceConfiguration.PowerSettings {
    /// Reads the `power` section: a hardware profile (optional) gives the source and policy
    /// defaults; keys in the section override them.
    static func parse(_ reader: inout ConfigReader, relativeTo directory: String) throws(ConfigurationError) -> Self {
        let profilesDirectory = ApplianceConfiguration.resolve(try reader.string("profiles_dir", default: "../hardware"), against: directory)
        let profile: HardwareProfile?
        if let name = try reader.optionalString("profile") {
            profile = try HardwareProfile.load(named: name, from: profilesDirectory)
        } else {
            profile = nil
        }
        let profileSource = profile.flatMap { Source(rawValue: $0.source.kind) }
        let source: Source = try reader.choice("source", default: profileSource ?? .simulated)
        if let profile, let profileSource, source != profileSource {
            throw ConfigurationError(key: "power.source", line: nil,
                                     problem: "is \(source.rawValue) but profile \(profile.name) is read through \(profileSource.rawValue): drop one of them")
        }

        var gpio: GPIOSettings?
        if case .gpio(let settings)? = profile?.source { gpio = settings }
        if let chip = try reader.optionalString("gpio_chip") {
            guard gpio != nil else {
                throw ConfigurationError(key: "power.gpio_chip", line: nil, problem: "only applies with a GPIO hardware profile (power.profile)")
            }
            gpio?.chip = chip
            if let problem = gpio?.validate() { throw ConfigurationError(key: "power.gpio_chip", line: nil, problem: problem) }
        }
        if source == .gpio && gpio == nil {
            throw ConfigurationError(key: "power.source", line: nil,
                                     problem: "gpio needs power.profile naming the board's lines (a file in \(profilesDirectory))")
        }

        var nutUPS = "ups", nutPort = 3_493, nutPoll = 1_000
        if case .nut(let ups, let port, let poll)? = profile?.source { (nutUPS, nutPort, nutPoll) = (ups, port, poll) }
        let nut = NUTPowerSource.Settings(
            host: try reader.string("nut_host", default: "127.0.0.1"),
            port: try reader.integer("nut_port", default: nutPort, in: 1...65_535),
            ups: try reader.string("nut_ups", default: nutUPS),
            username: try reader.optionalString("nut_username"),
            password: try reader.optionalString("nut_password"),
            pollInterval: .milliseconds(try reader.integer("nut_poll_milliseconds", default: nutPoll, in: 50...60_000)))

        let defaults = profile?.policy
        let maxOnBattery = try reader.integer("max_on_battery_seconds", default: defaults?.maxOnBatterySeconds ?? 0, in: 0...86_400)
        let minCharge = try reader.integer("min_charge_percent", default: defaults?.minChargePercent ?? 20, in: 0...100)
        let minRuntime = try reader.integer("min_runtime_seconds", default: defaults?.minRuntimeSeconds ?? 120, in: 0...86_400)
        let alert = try reader.integer("on_battery_alert_seconds", default: defaults?.onBatteryAlertSeconds ?? 5, in: 0...3_600)
        let finalDelay = try reader.integer("final_delay_seconds", default: defaults?.finalDelaySeconds ?? 5, in: 0...600)
        let policy = PowerPolicy(
            onBatteryAlertDelayMillis: Int64(alert) * 1_000,
            minimumChargePercent: minCharge == 0 ? nil : minCharge,
            minimumRuntimeSeconds: minRuntime == 0 ? nil : minRuntime,
            maximumOnBatteryMillis: maxOnBattery == 0 ? nil : Int64(maxOnBattery) * 1_000,
            honourForcedShutdown: try reader.boolean("honour_forced_shutdown", default: true),
            deadTimeMillis: Int64(try reader.integer("dead_time_seconds", default: 15, in: 1...3_600)) * 1_000,
            finalDelayMillis: Int64(finalDelay) * 1_000)
        if source == .gpio && policy.maximumOnBatteryMillis == nil && !(gpio?.inputs.contains { $0.role == .batteryLow } ?? false) {
            throw ConfigurationError(key: "power.max_on_battery_seconds", line: nil,
                                     problem: "must be set: this board has no battery-low line and no charge reading, so nothing else would ever shut it down")
        }
        return Self(source: source, profile: profile, simulatedStateFile: ApplianceConfiguration.resolve(
                        try reader.string("simulated_state_file", default: "power.state"), against: directory),
                    nut: nut, gpio: gpio, policy: policy,
                    shutdownCommand: try reader.string("shutdown_command", default: "").split(separator: " ").map(String.init),
                    rebootCommand: try reader.string("reboot_command", default: "").split(separator: " ").map(String.init))
    }
}
