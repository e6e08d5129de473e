import Foundation

/// A gpio-sim chip made through configfs inside the VM, with its lines driven from the "outside"
/// (the sysfs pull of each simulated line), as a HAT's controller would drive the real pins.
struct SimulatedChip {
    let label: String
    private let platformDirectory: String

    /// Makes and brings up a bank with named lines; returns once the chip is usable.
    static func make(lineNames: [String]) throws -> SimulatedChip {
        let device = "/sys/kernel/config/gpio-sim/holdfast"
        let bank = "\(device)/bank0"
        let files = FileManager.default
        try files.createDirectory(atPath: device, withIntermediateDirectories: false)
        try files.createDirectory(atPath: bank, withIntermediateDirectories: false)
        try write("\(lineNames.count)", to: "\(bank)/num_lines")
        for (offset, name) in lineNames.enumerated() {
            try files.createDirectory(atPath: "\(bank)/line\(offset)", withIntermediateDirectories: false)
            try write(name, to: "\(bank)/line\(offset)/name")
        }
        try write("1", to: "\(device)/live")
        let deviceName = try read("\(device)/dev_name")
        let chipName = try read("\(bank)/chip_name")
        return SimulatedChip(label: chipName, platformDirectory: "/sys/devices/platform/\(deviceName)/\(chipName)")
    }

    /// Drives a line high or low from the simulated hardware's side.
    func drive(_ offset: Int, high: Bool) throws {
        try Self.write(high ? "pull-up" : "pull-down", to: "\(platformDirectory)/sim_gpio\(offset)/pull")
    }

    /// The level the consumer (holdfast) drives on an output line, as the HAT would see it.
    func outputLevel(_ offset: Int) throws -> Int {
        Int(try Self.read("\(platformDirectory)/sim_gpio\(offset)/value")) ?? -1
    }

    private static func write(_ text: String, to path: String) throws {
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw HarnessFailure("cannot open \(path) for writing")
        }
        defer { try? handle.close() }
        try handle.write(contentsOf: Data(text.utf8))
    }

    private static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw HarnessFailure("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
