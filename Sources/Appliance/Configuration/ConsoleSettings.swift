/// The technician's serial console (docs/console.md).
public struct ConsoleSettings: Sendable {
    /// A technician allowed to log in on the console.
    public struct Technician: Sendable {
        public var name: String
        public var pin: PINHash
    }

    /// The tty to serve (nil: no serial console), e.g. /dev/ttyS0, /dev/ttyAMA0, /dev/ttyGS0.
    public var device: String?
    /// The local Unix socket `holdfast console` connects to (mode 0600).
    public var socket: String
    public var baud: Int
    public var idleTimeoutSeconds: Int
    public var failuresBeforeLockout: Int
    public var lockoutSeconds: Int
    public var technicians: [Technician]

    /// The line speeds termios can set on Linux that serial consoles use.
    public static let baudRates = [9_600, 19_200, 38_400, 57_600, 115_200, 230_400, 460_800, 921_600]

    public func technician(named name: String) -> Technician? {
        technicians.first { $0.name == name }
    }
}

extension ConsoleSettings {
    static func parse(_ reader: inout ConfigReader, dataDirectory: String, relativeTo directory: String) throws(ConfigurationError) -> ConsoleSettings {
        let device = try reader.optionalString("device")
        let socket = try reader.optionalString("socket").map { ApplianceConfiguration.resolve($0, against: directory) }
            ?? dataDirectory + "/console.sock"
        guard socket.utf8.count < 108 else {
            throw ConfigurationError(key: "console.socket", line: nil, problem: "'\(socket)' is longer than a Unix socket path may be (107 bytes)")
        }
        if let device, !device.hasPrefix("/") {
            throw ConfigurationError(key: "console.device", line: nil, problem: "'\(device)' must be an absolute path such as /dev/ttyS0")
        }
        let baud = try reader.integer("baud", default: 115_200, in: 1...4_000_000)
        guard baudRates.contains(baud) else {
            throw ConfigurationError(key: "console.baud", line: nil,
                                     problem: "\(baud) is not one of \(baudRates.map(String.init).joined(separator: ", "))")
        }
        var names = Set<String>()
        let technicians = try reader.list("technicians") { (entry: inout ConfigReader) throws(ConfigurationError) -> Technician in
            let name = try entry.string("name")
            guard (1...32).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw ConfigurationError(key: "\(entry.path).name", line: nil, problem: "'\(name)' must be 1-32 ASCII letters, digits, '-' or '_'")
            }
            guard names.insert(name).inserted else {
                throw ConfigurationError(key: "\(entry.path).name", line: nil, problem: "technician '\(name)' is listed twice")
            }
            guard let pin = PINHash(try entry.string("pin_hash")) else {
                throw ConfigurationError(key: "\(entry.path).pin_hash", line: nil,
                                         problem: "is not a scrypt PIN hash (cost 2^14 to 2^20); `holdfast console hash-pin` makes one")
            }
            return Technician(name: name, pin: pin)
        }
        return ConsoleSettings(
            device: device, socket: socket, baud: baud,
            idleTimeoutSeconds: try reader.integer("idle_timeout_seconds", default: 300, in: 10...86_400),
            failuresBeforeLockout: try reader.integer("failures_before_lockout", default: 3, in: 1...20),
            lockoutSeconds: try reader.integer("lockout_seconds", default: 30, in: 1...3_600),
            technicians: technicians)
    }
}
